//! Parsing cost of the national codes (checked on every form submission and CSV row) and of
//! deadline arithmetic.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use gongzhi_kernel::{DivisionCode, IdCardNumber, Uscc, WorkingCalendar};

fn codes(c: &mut Criterion) {
    c.bench_function("Uscc::parse", |b| {
        b.iter(|| Uscc::parse(black_box("91110000600037341L")))
    });
    c.bench_function("IdCardNumber::parse", |b| {
        b.iter(|| IdCardNumber::parse(black_box("11010519491231002X")))
    });
    c.bench_function("DivisionCode::parse", |b| {
        b.iter(|| DivisionCode::parse(black_box("440308003001")))
    });
}

fn calendar(c: &mut Criterion) {
    let cal = WorkingCalendar::default_cn();
    let start = NaiveDate::from_ymd_opt(2026, 9, 20).expect("valid date");
    c.bench_function("add_working_days(20)", |b| {
        b.iter(|| cal.add_working_days(black_box(start), black_box(20)))
    });
}

criterion_group!(benches, codes, calendar);
criterion_main!(benches);
