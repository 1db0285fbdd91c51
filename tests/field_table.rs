//! The one declaration of the 29 header fields (`fields::FieldName`) held
//! against the TR's own text: Table 1 of TR 01201-3.4 §3.1.1 and the `h=`
//! order of §3.1.21, copied verbatim into tests/data/spec/.

use demail::fields::{FieldName, MessageKind, Presence};
use demail::integrity::SIGNED_FIELDS;
use demail::validate::{TABLE_1, presence};

const TABLE: &str = include_str!("data/spec/table-1.md");
const SIGNED_ORDER: &str = include_str!("data/spec/3.1.21-h.md");

/// The header names of a Table 1 cell: `<br>` is a hyphen broken over a
/// line, unless the next part starts a new name (row 20: `Resent-To<br>Resent-From`).
fn names(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in cell.split("<br>") {
        match out.last_mut() {
            Some(last) if !part.starts_with(|c: char| c.is_ascii_uppercase()) => {
                last.push('-');
                last.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

/// A cell of the N, B, M or I column. "wie original" in column B of row 5
/// is read as may-be-present (docs/decisions.md).
fn cell(text: &str) -> Presence {
    match text {
        "XX" => Presence::Required,
        "X" => Presence::Optional,
        "" => Presence::Forbidden,
        wie if wie.replace("<br>", "") == "wieoriginal" => Presence::Optional,
        other => panic!("unknown Table 1 cell {other:?}"),
    }
}

// TR 01201-3.4 §3.1.1, Table 1: every row's name, number and cells.
#[test]
fn table_1_rows_match_the_tr() {
    let mut seen = Vec::new();
    for line in TABLE.lines().filter(|l| l.starts_with('|')) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let row: u8 = cols[1].parse().expect("row number");
        let cells = [cell(cols[4]), cell(cols[5]), cell(cols[6]), cell(cols[7])];
        for name in names(cols[3]) {
            let field = FieldName::lookup(&name).unwrap_or_else(|| panic!("{name} not declared"));
            assert_eq!(field.as_str(), name, "row {row}: canonical spelling");
            assert_eq!(field.table_row(), row, "{name}");
            assert_eq!(field.table_1_cells(), cells, "{name}");
            seen.push(field);
        }
    }
    assert_eq!(seen, FieldName::ALL, "every field, in the order of Table 1");
}

// TR 01201-3.4 §3.1.1: validate's TABLE_1 and presence() are the declaration.
#[test]
fn validate_table_1_is_derived_from_the_declaration() {
    for (i, (field, cells)) in TABLE_1.iter().enumerate() {
        assert_eq!(*field, FieldName::ALL[i]);
        assert_eq!(*cells, field.table_1_cells());
        let kinds = [
            MessageKind::Normal,
            MessageKind::Confirmation,
            MessageKind::Notification,
            MessageKind::Ident,
        ];
        for (kind, expected) in kinds.into_iter().zip(cells) {
            assert_eq!(presence(*field, kind), *expected, "{field} {kind:?}");
        }
    }
}

// TR 01201-3.4 §3.1.21: "in der folgend beschriebenen Reihenfolge".
#[test]
fn signed_field_order_of_3_1_21() {
    let tr: Vec<&str> = SIGNED_ORDER
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|l| l.trim_end_matches(" (falls vorhanden)"))
        .collect();
    let ours: Vec<&str> = FieldName::SIGNED.iter().map(|f| f.as_str()).collect();
    assert_eq!(ours, tr);
    assert_eq!(SIGNED_FIELDS, FieldName::SIGNED);
    for field in FieldName::ALL {
        let position = FieldName::SIGNED.iter().position(|f| *f == field);
        assert_eq!(field.signed_position(), position.map(|p| p + 1), "{field}");
    }
}

// TR 01201-3.4 §3.1: the section of each field is the one that defines it.
#[test]
fn sections_name_the_defining_subsection() {
    for field in FieldName::ALL {
        let section = field.section();
        assert!(section.starts_with("TR 01201-3.4 §3."), "{field}: {section}");
    }
    assert_eq!(FieldName::Integrity.section(), "TR 01201-3.4 §3.1.13");
    assert_eq!(FieldName::ResentDate.section(), "TR 01201-3.4 §3.2");
}
