//! Pure output writers. Nothing here reads a database or the network: callers hand in
//! rows, writers hand back bytes.
//!
//! Now: CSV that spreadsheet programs cannot turn into formulas, XLSX workbooks (every
//! cell a string cell, never a formula) and one-page text PDFs ([`pdf`]). Maps, charts, certificates and reports
//! join as their modules land.

pub mod carto_map;
pub mod carto_network;
pub mod carto_poster;
pub mod donor;
pub mod pdf;

pub mod csv_safe {
    //! CSV with formula-injection protection (OWASP "CSV injection"): a cell starting
    //! with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'` so Excel and
    //! LibreOffice show it as text instead of evaluating it.

    /// Neutralises one cell.
    pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
        match s.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
            _ => s.into(),
        }
    }

    /// Writes a header and rows as RFC 4180 CSV (UTF-8, CRLF line ends).
    pub fn write<I, R>(header: &[&str], rows: I) -> Result<Vec<u8>, csv::Error>
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = String>,
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(header)?;
        for r in rows {
            let cells: Vec<String> = r.into_iter().map(|c| cell(&c).into_owned()).collect();
            w.write_record(&cells)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn formulas_are_neutralised_and_quotes_escaped() {
            let out = write(
                &["a", "b"],
                vec![vec!["=1+1".to_string(), "say \"hi\", ok".to_string()]],
            )
            .unwrap();
            let s = String::from_utf8(out).unwrap();
            assert_eq!(s, "a,b\r\n'=1+1,\"say \"\"hi\"\", ok\"\r\n");
            let mut r = csv::Reader::from_reader(s.as_bytes());
            let rec = r.records().next().unwrap().unwrap();
            assert_eq!(&rec[1], "say \"hi\", ok");
        }
    }
}

pub mod xlsx {
    //! One-sheet XLSX workbooks. Every cell is written as a string cell, so a value like
    //! `=cmd` is shown as text and never evaluated; the header row is bold and frozen.

    /// Writes a header and rows as a workbook with one sheet named `sheet`.
    pub fn write<I, R>(
        sheet: &str,
        header: &[&str],
        rows: I,
    ) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError>
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = String>,
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(sheet)?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows.into_iter().enumerate() {
            for (c, v) in row.into_iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
        wb.save_to_buffer()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn writes_a_zip_workbook() {
            let b = super::write("x", &["a"], vec![vec!["=1+1".to_string()]]).unwrap();
            assert!(b.starts_with(b"PK"));
        }
    }
}
