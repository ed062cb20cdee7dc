pub mod org;
pub mod org_annual_report;
pub mod org_category;
pub mod org_category_link;
pub mod org_document;
pub mod org_grade;
pub mod org_list_entry;
pub mod org_standing_event;
