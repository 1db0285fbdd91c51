//! `Envelope::parse` on arbitrary bytes, then the metadata round trip
//! `parse(serialize(parse(x))) == parse(x)`.
//!
//! Checks:
//! - parsing, validating and every accessor never panic (lib.rs: "No input
//!   makes the crate panic");
//! - `body()` is exactly the bytes after `body_offset()`;
//! - when the first parse has no field errors, the metadata serialized with
//!   `Metadata::to_header_block` parses again, without field errors, into
//!   metadata equal to the first.
//!
//! Skips (inputs the serializer is not meant to handle), each narrow:
//! - SKIP-1: a first parse with field errors. A field that fails to parse is
//!   absent from the metadata, so its bytes do not take part in the round
//!   trip; nothing is lost by skipping the comparison.
//! - SKIP-2: a serialized block larger than `Limits::default().max_header_bytes`.
//!   RFC 2047 encoding of a long non-ASCII subject can grow a header section
//!   that was just under the limit past it; re-parsing then correctly fails
//!   with `HeaderTooLarge`.
#![no_main]

use demail::envelope::Envelope;
use demail::fields::FieldName;
use demail::header::Limits;
use demail::metadata::Metadata;
use demail::validate::Mode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = Envelope::parse(data) else {
        return;
    };

    // Every accessor and the validation must work on anything that parsed.
    let report = envelope.validate();
    let _ = report.accepts(Mode::Strict);
    let _ = report.accepts(Mode::Lenient);
    let _ = report.to_string();
    for violation in report.violations() {
        let _ = violation.to_string();
    }
    for error in envelope.field_errors() {
        let _ = error.to_string();
    }
    for warning in envelope.warnings() {
        let _ = warning.to_string();
    }
    for name in FieldName::ALL {
        if let Some(field) = envelope.field(name) {
            assert!(
                field.has_name(name.as_str()),
                "field({name:?}) returned {:?}",
                field.name
            );
        }
    }
    let _ = envelope.kind();
    let _ = envelope.is_forwarded();
    for field in envelope.fields() {
        let _ = field.unfolded_value();
    }
    assert_eq!(envelope.raw(), data);
    assert_eq!(envelope.body(), &data[envelope.body_offset()..]);

    // SKIP-1: see the module documentation.
    if !envelope.field_errors().is_empty() {
        return;
    }

    let m1: Metadata<'static> = envelope.metadata().clone().into_owned();
    assert_eq!(&m1, envelope.metadata(), "into_owned changed the metadata");
    let b1 = m1.to_header_block();
    if b1.is_empty() {
        assert_eq!(
            m1,
            Metadata::default(),
            "non-empty metadata serialized to nothing"
        );
        return;
    }
    // SKIP-2: see the module documentation.
    if b1.len() > Limits::default().max_header_bytes {
        return;
    }

    let again = match Envelope::parse(&b1) {
        Ok(again) => again,
        Err(err) => panic!(
            "serialized metadata does not parse: {err}\nmetadata: {m1:#?}\nblock: {}",
            b1.escape_ascii()
        ),
    };
    assert!(
        again.field_errors().is_empty(),
        "serialized metadata has field errors: {:?}\nmetadata: {m1:#?}\nblock: {}",
        again.field_errors(),
        b1.escape_ascii()
    );
    let m2 = again.metadata();
    assert_eq!(
        m2,
        &m1,
        "metadata round trip differs (left: re-parsed, right: first parse)\nblock: {}",
        b1.escape_ascii()
    );
});
