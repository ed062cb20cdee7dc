pub mod org;
pub mod org_category;
pub mod org_category_link;
