//! Regression tests for what the fuzzers found (fuzz/): each input must
//! survive `parse → serialize → parse` unchanged, and no value may smuggle a
//! line break into the written header block.

use demail::address::{DeMailAddress, RecipientList};
use demail::envelope::Envelope;
use demail::metadata::Metadata;

/// parse(serialize(parse(x))) == parse(x), and the block has no field errors.
fn round_trip(raw: &[u8]) -> Metadata<'static> {
    let first = Envelope::parse(raw).unwrap();
    assert!(first.field_errors().is_empty(), "{:?}", first.field_errors());
    let metadata = first.into_metadata().into_owned();
    let block = metadata.to_header_block();
    let second =
        Envelope::parse(&block).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&block)));
    assert!(
        second.field_errors().is_empty(),
        "{:?}\n{}",
        second.field_errors(),
        String::from_utf8_lossy(&block)
    );
    assert_eq!(
        second.metadata(),
        &metadata,
        "{}",
        String::from_utf8_lossy(&block)
    );
    metadata
}

/// Every line of a written block ends in CRLF and no CR or LF stands alone.
fn assert_no_bare_line_ends(block: &[u8]) {
    for (i, byte) in block.iter().enumerate() {
        match byte {
            b'\r' => assert_eq!(block.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => assert_eq!(block.get(i.wrapping_sub(1)), Some(&b'\r'), "bare LF at {i}"),
            _ => {}
        }
    }
}

// Header injection: a decoded display name with CR LF must not become a field.
#[test]
fn encoded_display_name_cannot_inject_a_header_field() {
    let raw = b"x-de-mail-chosen-recipient: to==?utf-8?Q?x=0D=0Ax-de-mail-private:_yes=0D=0AX-Y:?= <a@b.de>\r\n\r\n";
    let metadata = round_trip(raw);
    assert_eq!(metadata.private, None);
    let name = metadata.chosen_recipient.as_ref().unwrap().to[0]
        .display_name
        .as_deref()
        .unwrap()
        .to_owned();
    assert!(!name.contains(['\r', '\n']), "{name:?}");
    assert_no_bare_line_ends(&metadata.to_header_block());
}

#[test]
fn decoded_control_characters_become_spaces() {
    let subject = round_trip(b"Subject: =?utf-8?Q?a=0D=0Ab?=\r\n\r\n")
        .subject
        .unwrap();
    assert_eq!(subject, "a b");
    let from = round_trip(b"From: =?utf-8?Q?a=0D=0Ab?= <a@b.de>\r\n\r\n")
        .from
        .unwrap();
    // In a display name each control character becomes one space; its inner spacing is content.
    assert_eq!(from.display_name.as_deref(), Some("a  b"));
    let list = RecipientList::parse("to==?utf-8?Q?a=0D=0Ab?= <a@b.de>").unwrap();
    assert_eq!(list.to[0].display_name.as_deref(), Some("a  b"));
    assert_eq!(RecipientList::parse(&list.to_string()).unwrap(), list);
}

// Metadata built by a caller with line breaks in it is written without them.
#[test]
fn serializer_never_writes_a_bare_line_end() {
    let mut metadata = Metadata::default();
    metadata.subject = Some("Hallo\r\nX-Injected: yes".into());
    metadata.private_id = Some("id\r\nx-de-mail-private: yes".into());
    metadata.auth_mechanism = Some("a\nb\rc".into());
    let mut address = DeMailAddress::parse("a@b.de").unwrap();
    address.display_name = Some("Evil\r\nBcc: x@y.de".into());
    metadata.from = Some(address.clone());
    metadata.chosen_recipient = Some(RecipientList {
        to: vec![address],
        ..RecipientList::default()
    });
    let block = metadata.to_header_block();
    assert_no_bare_line_ends(&block);
    let envelope = Envelope::parse(&block).unwrap();
    assert_eq!(envelope.metadata().private, None);
    assert!(
        envelope
            .fields()
            .iter()
            .all(|f| !f.name.eq_ignore_ascii_case("X-Injected") && !f.name.eq_ignore_ascii_case("Bcc"))
    );
}

// RFC 5322 §3.2.1: quoted-pair = "\" (VCHAR / WSP)
#[test]
fn escaped_control_character_in_local_part_is_rejected() {
    assert!(DeMailAddress::parse("\"\\\u{1}\"@x.de").is_err());
    assert!(RecipientList::parse("to=\"\\\u{0}\"@x.de").is_err());
    let ok = DeMailAddress::parse("\"a\\\"b\"@x.de").unwrap();
    assert_eq!(ok.local_part, "a\"b");
    assert_eq!(DeMailAddress::parse(&ok.to_string()).unwrap(), ok);
}

// A long value folded at a tab keeps its tab and stays within line limits.
#[test]
fn value_folded_at_a_tab_round_trips() {
    let raw = [
        b"x-de-mail-private-id: ".as_slice(),
        &[b'a'; 500],
        b"\r\n\t",
        &[b'b'; 500],
        b"\r\n\r\n",
    ]
    .concat();
    let metadata = round_trip(&raw);
    assert!(metadata.private_id.unwrap().contains('\t'));
}

// TR 01201-3.4 §3.1.17 allows 1024 characters, which cannot be folded when
// they contain no white space: such a line must still be readable.
#[test]
fn unbreakable_private_id_of_1024_characters_round_trips() {
    let raw = [b"x-de-mail-private-id: ".as_slice(), &[b'z'; 1024], b"\r\n\r\n"].concat();
    assert_eq!(round_trip(&raw).private_id.unwrap().len(), 1024);
}

// RFC 2047 path: folding white space and leading white space are normalised the same way twice.
#[test]
fn encoded_subject_white_space_is_stable() {
    let cases: [&[u8]; 5] = [
        &[b"Subject: =?".as_slice(), &[b'a'; 60], b"\tbbbbbbbbbbbbb\r\n\r\n"].concat(),
        &[
            b"Subject: =?x?".as_slice(),
            &[b'a'; 58],
            b"  bbbbbbbbbbbbb\r\n\r\n",
        ]
        .concat(),
        b"Subject: =?utf-8?Q?_x?=\r\n\r\n",
        b"Subject: =?utf-8?Q?=09x?=\r\n\r\n",
        b"x-de-mail-account-holder: =?utf-8?Q?_x?=\r\n\r\n",
    ];
    for raw in cases {
        round_trip(raw);
    }
}

// A local part that looks like a recipient-list key is quoted when written.
#[test]
fn local_part_that_looks_like_a_key_is_quoted() {
    for input in [
        "to=a@x.de, \"cc=\"@x.de",
        "to=a@x.de, \"to=\"@x.de",
        "to=\"bcc=x\"@x.de",
    ] {
        let list = RecipientList::parse(input).unwrap();
        let written = list.to_string();
        assert_eq!(RecipientList::parse(&written).unwrap(), list, "{written}");
    }
}

// Non-UTF-8 certificate text is written without splitting a character.
#[test]
fn non_utf8_certificate_round_trips() {
    let raw = [
        b"x-de-mail-signature-certificate: A".as_slice(),
        &[0xff; 20],
        b"\r\n\r\n",
    ]
    .concat();
    let metadata = round_trip(&raw);
    let block = metadata.to_header_block();
    assert!(std::str::from_utf8(&block).is_ok());
}

// Display names are trimmed on reading: mail writers drop the white space at
// their ends, so keeping it would change the value on the way back.
#[test]
fn display_name_white_space_at_the_ends_is_trimmed() {
    let from = round_trip(b"From: \"Max Mustermann \" <a@b.de>\r\n\r\n")
        .from
        .unwrap();
    assert_eq!(from.display_name.as_deref(), Some("Max Mustermann"));
    let from = round_trip(b"From: \"Max\\u{1}\" <a@b.de>\r\n\r\n").from.unwrap();
    assert!(from.display_name.is_some());
    let list = RecipientList::parse("to=\" x \" <a@b.de>").unwrap();
    assert_eq!(list.to[0].display_name.as_deref(), Some("x"));
}

// Text that only looks like an encoded word is written encoded, so a reader
// does not decode it into something else.
#[test]
fn text_that_looks_like_an_encoded_word_round_trips() {
    let cases: [&[u8]; 3] = [
        b"x-de-mail-account-holder: U=?TF-8?B?SsO8cmdlbiB\r\n Nw7xsbGVy?=\r\n\r\n",
        b"Subject: U=?TF-8?B?SsO8cmdlbiB Nw7xsbGVy?=\r\n\r\n",
        b"Subject: literally =?utf-8?q?not_decoded?= here\r\n\r\n",
    ];
    for raw in cases {
        round_trip(raw);
    }
    let mut metadata = Metadata::default();
    metadata.subject = Some("=?utf-8?q?x?=".into());
    let block = metadata.to_header_block();
    let envelope = Envelope::parse(&block).unwrap();
    assert_eq!(envelope.metadata().subject.as_deref(), Some("=?utf-8?q?x?="));
}

// Found by the 10-minute envelope campaign: a tab inside a quoted local part
// (RFC 5322 §3.2.4 allows WSP in a quoted-string) must be written back, not
// dropped.
#[test]
fn tab_in_quoted_local_part_survives_the_round_trip() {
    let metadata = round_trip(b"Reply-To: \"&      \t         om: \"@15\r\n\r\n");
    let local = &metadata.reply_to.as_ref().unwrap().local_part;
    assert_eq!(local, "&      \t         om: ");

    let metadata = round_trip(b"From: \"Stadt M\xc3\xbcnster\" <\"a\tb\"@x.de-mail.de>\r\n\r\n");
    let from = metadata.from.as_ref().unwrap();
    assert_eq!(
        (from.local_part.as_ref(), from.display_name.as_deref()),
        ("a\tb", Some("Stadt Münster"))
    );
}
