pub mod bid;
pub mod budget_line;
pub mod clarification;
pub mod need;
pub mod project;
pub mod settings;
