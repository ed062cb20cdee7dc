pub mod catalog_version;
pub mod category;
pub mod change;
pub mod item;
pub mod licence;
pub mod negative;
