//! Pure building blocks of Gongzhi. Nothing here does I/O: every type can be unit- and
//! property-tested in isolation, and every other crate builds on these.

pub mod authz;
pub mod calendar;
pub mod codes;
pub mod error;
pub mod id;
pub mod money;
pub mod text;
pub mod workflow;

pub use calendar::WorkingCalendar;
pub use codes::{DivisionCode, DivisionLevel, IdCardNumber, PhoneNumber, Uscc};
pub use error::{CodeError, FieldError, ValidationErrors};
pub use money::{AmountKind, Money, MoneyLimits};
