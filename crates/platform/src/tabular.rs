//! Reading uploaded tables (CSV in UTF-8 with or without BOM, or the first sheet of an XLSX)
//! for bulk imports, and the upload's content type.

use axum::http::{HeaderMap, header};

use crate::web::{AppError, AppResult};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Whether the body is XLSX (true) or CSV (false); anything else is refused.
pub fn kind_of(headers: &HeaderMap) -> AppResult<bool> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with(XLSX) {
        Ok(true)
    } else if ct.starts_with("text/csv") {
        Ok(false)
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

/// All rows, cells trimmed; the first row is the header.
pub fn read_table(bytes: &[u8], xlsx: bool) -> AppResult<Vec<Vec<String>>> {
    let mut table: Vec<Vec<String>> = Vec::new();
    if xlsx {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|_| AppError::field("file", "import.unreadable"))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or(AppError::field("file", "import.unreadable"))?
            .map_err(|_| AppError::field("file", "import.unreadable"))?;
        for r in range.rows() {
            table.push(
                r.iter()
                    .map(|c| match c {
                        // Dates typed into Excel arrive as dates, not as their serial numbers.
                        Data::DateTime(d) => excel_date(d.as_f64()),
                        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                        _ => c.to_string().trim().to_string(),
                    })
                    .collect(),
            );
        }
    } else {
        let text =
            std::str::from_utf8(bytes).map_err(|_| AppError::BadRequest("import.not_utf8"))?;
        let text = text.trim_start_matches('\u{feff}');
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for rec in rdr.records() {
            let rec = rec.map_err(|_| AppError::field("file", "import.unreadable"))?;
            table.push(rec.iter().map(|c| c.trim().to_string()).collect());
        }
    }
    if table.is_empty() {
        return Err(AppError::field("file", "import.empty"));
    }
    // Cells are text like any other input: cleaned, control characters refused by cell.
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    let header = table[0].clone();
    for (r, row) in table.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            let column = header
                .get(c)
                .map_or_else(|| (c + 1).to_string(), Clone::clone);
            crate::web::clean_field(&format!("rows.{}.{column}", r + 1), cell, &mut errors);
        }
    }
    errors.into_result()?;
    Ok(table)
}

/// An Excel serial day number (1900 system) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    epoch
        .checked_add_signed(chrono::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The position of the first header cell that is one of `names`.
pub fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

/// Data rows (numbered as the user sees them, header = row 1), blank rows skipped, at most
/// `max`.
pub fn data_rows(table: &[Vec<String>], max: usize) -> AppResult<Vec<(usize, &Vec<String>)>> {
    let rows: Vec<(usize, &Vec<String>)> = table
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if rows.is_empty() {
        return Err(AppError::field("file", "import.empty"));
    }
    if rows.len() > max {
        return Err(AppError::field("file", "import.too_many"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn excel_serial_days_become_dates() {
        assert_eq!(super::excel_date(45658.0), "2025-01-01");
        assert_eq!(super::excel_date(43831.75), "2020-01-01");
    }
}
