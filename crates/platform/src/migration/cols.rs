//! Column and index shorthands for module migrations (one spelling for every module).

use sea_orm_migration::prelude::*;

pub fn uuid(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.uuid().not_null();
    c
}
pub fn text(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.string().not_null();
    c
}
pub fn opt_text(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.string().null();
    c
}
pub fn ts(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().not_null();
    c
}
pub fn opt_ts(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().null();
    c
}
pub fn int(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.integer().not_null().default(0);
    c
}
pub fn big(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().not_null();
    c
}
pub fn t(name: &'static str) -> Alias {
    Alias::new(name)
}

pub fn index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(t(table));
    for c in cols {
        i.col(t(c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}
pub fn date(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.date().not_null();
    c
}
pub fn opt_date(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.date().null();
    c
}
/// The optimistic-concurrency version every changing row carries.
pub fn version() -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new("version"));
    c.integer().not_null().default(1);
    c
}
/// Long text (descriptions, JSON).
pub fn long(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.text().not_null();
    c
}
pub fn opt_uuid(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.uuid().null();
    c
}
pub fn opt_big(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().null();
    c
}
pub fn flag(name: &'static str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.boolean().not_null();
    c
}
/// A foreign key from `from.col` to `to.id`.
pub fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(t(from), t(col))
        .to(t(to), t("id"))
        .to_owned()
}
