//! `split_header` on arbitrary bytes.
//!
//! When it succeeds, the fields must be contiguous and cover the header
//! section exactly: the concatenation of every field's `raw` is `data[..end]`,
//! where `end` is `body_offset` minus the empty line (`\r\n` or `\n`) that
//! ends the header, or the whole input when there is no empty line. Each
//! field's `offset` is the position of its `raw` in `data`, its `name` starts
//! the field and its `value` lies between the colon and the final line end.
#![no_main]

use demail::header::{Limits, split_header};
use libfuzzer_sys::fuzz_target;

/// Where `inner` lies inside `outer`, if it is a subslice of it.
fn position_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then_some(start)
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(section) = split_header(data, &limits) else {
        return;
    };
    assert!(!section.fields.is_empty(), "Ok with no fields");
    assert!(section.fields.len() <= limits.max_fields);
    assert!(section.body_offset <= data.len(), "body_offset past the input");
    assert!(
        section.body_offset <= limits.max_header_bytes,
        "header section over the limit"
    );

    let mut concatenated = Vec::with_capacity(section.body_offset);
    for field in &section.fields {
        assert_eq!(
            position_in(data, field.raw),
            Some(concatenated.len()),
            "field {:?} is not contiguous with the previous one",
            field.name
        );
        assert_eq!(
            field.offset,
            concatenated.len(),
            "offset of field {:?}",
            field.name
        );
        concatenated.extend_from_slice(field.raw);

        // The name starts the field and is printable ASCII without a colon.
        assert!(!field.name.is_empty());
        assert!(
            field.raw.starts_with(field.name.as_bytes()),
            "raw does not start with the name"
        );
        assert!(
            field.name.bytes().all(|b| b.is_ascii_graphic() && b != b':'),
            "name {:?}",
            field.name
        );
        assert!(field.has_name(field.name));

        // The value lies after the colon and runs up to the final line end.
        let value_at = position_in(field.raw, field.value).expect("value is not inside raw");
        assert_eq!(field.raw[value_at - 1], b':', "value does not follow a colon");
        let tail = &field.raw[value_at + field.value.len()..];
        assert!(
            matches!(tail, b"" | b"\n" | b"\r\n"),
            "after the value: {:?}",
            tail.escape_ascii().to_string()
        );
        // Every line end inside a field is followed by folding white space.
        for (i, &byte) in field.raw.iter().enumerate() {
            if byte == b'\n' && i + 1 < field.raw.len() {
                assert!(
                    matches!(field.raw[i + 1], b' ' | b'\t'),
                    "unfolded line end in {:?}",
                    field.name
                );
            }
            if byte == b'\r' {
                assert_eq!(field.raw.get(i + 1), Some(&b'\n'), "bare CR accepted");
            }
        }
        let _ = field.unfolded_value();
        let _ = field.is_utf8();
    }

    let end = concatenated.len();
    assert_eq!(concatenated.as_slice(), &data[..end]);
    let separator = &data[end..section.body_offset];
    match separator {
        b"\r\n" | b"\n" => {}
        b"" => assert_eq!(section.body_offset, data.len(), "no empty line, yet a body"),
        other => panic!(
            "between the fields and the body: {:?}",
            other.escape_ascii().to_string()
        ),
    }
    // Without an empty line the last field runs to the end of the input.
    if separator.is_empty() {
        assert_eq!(end, data.len());
    }
});
