//! Purchase of services (issue 6, capability 6). This first part is the pure rules the
//! lifecycle rests on (`domain`): methods and their OCDS codes, the open-tender threshold and
//! justifications, budget lines that never go negative, scoring rubrics and their stated
//! aggregation, contract terms and top-ups, the challenge clock in working days, payments against
//! milestones, and performance grades. Tables, services, pages and the API come next.

pub mod domain;
