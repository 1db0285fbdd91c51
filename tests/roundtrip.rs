//! Round trip of the header block (TR 01201-3.4 §3.1): for every metadata
//! `m`, parsing `m.to_header_block()` gives `m` back, and the written block
//! follows §3.1.21 conditions 3 and 4 (folded lines, CRLF line ends).

use std::borrow::Cow;

use proptest::prelude::*;

use demail::address::{DeMailAddress, RecipientList};
use demail::builder::{Attachment, MessageDraft, ProviderData};
use demail::envelope::Envelope;
use demail::fields::{AuthLevel, DateTime, MessageType, NotificationType, Version};
use demail::metadata::{DispatchOption, Metadata};

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 2..4).prop_map(|labels| labels.join("."))
}

/// Display names: any printable text, including non-ASCII, quotes, `,` and `;`.
fn display_name() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[A-Za-zÄÖÜäöüß0-9 ,;\"'.()-]{0,30}".prop_map(|s| s.trim().to_owned()))
        .prop_map(|name| name.filter(|n| !n.is_empty()))
}

fn address() -> impl Strategy<Value = DeMailAddress<'static>> {
    ("[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}", domain(), display_name()).prop_map(|(local, domain, name)| {
        DeMailAddress {
            display_name: name.map(Cow::Owned),
            local_part: Cow::Owned(local),
            domain: Cow::Owned(domain),
        }
    })
}

fn bare_address() -> impl Strategy<Value = DeMailAddress<'static>> {
    address().prop_map(|mut a| {
        a.display_name = None;
        a
    })
}

fn recipients() -> impl Strategy<Value = RecipientList<'static>> {
    (
        prop::collection::vec(address(), 1..4),
        prop::collection::vec(address(), 0..3),
        prop::collection::vec(address(), 0..3),
    )
        .prop_map(|(to, cc, bcc)| RecipientList { to, cc, bcc })
}

/// `unstructured` text as users type it: non-ASCII, punctuation, inner spaces.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-zÄÖÜäöüß€0-9 .,:;!?*()=_/-]{1,120}"
        .prop_map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn ascii_text() -> impl Strategy<Value = String> {
    "[!-~]{1,20}( [!-~]{1,20}){0,5}"
}

fn date() -> impl Strategy<Value = DateTime> {
    // 1990-01-01 .. 2100-01-01, every day of every month (D123).
    (631_152_000i64..4_102_444_800, -48i16..=56).prop_filter_map("in range", |(seconds, quarter_hours)| {
        DateTime::from_unix_seconds(seconds, quarter_hours * 15).ok()
    })
}

fn version() -> impl Strategy<Value = Version> {
    prop_oneof![
        Just(Version::V1_0),
        Just(Version::V1_1),
        Just(Version::V1_2),
        Just(Version::V1_7),
        Just(Version::V1_8),
        "[0-9]\\.[0-9]{1,2}".prop_map(|v| Version::parse(&v)),
    ]
}

fn message_type() -> impl Strategy<Value = MessageType> {
    prop::sample::select(MessageType::ALL.to_vec())
}

fn metadata() -> impl Strategy<Value = Metadata<'static>> {
    let addresses = (
        prop::option::of(address()),
        prop::option::of(address()),
        prop::option::of(bare_address()),
        prop::option::of(recipients()),
        prop::option::of(recipients()),
    );
    let texts = (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(ascii_text()),
        prop::option::of(ascii_text()),
        prop::option::of(ascii_text()),
        prop::option::of(domain()),
        prop::option::of("[a-z0-9.]{1,20}@[a-z0-9.]{1,20}"),
    );
    let values = (
        prop::option::of(date()),
        prop::array::uniform5(prop::option::of(any::<bool>())),
        prop::option::of(prop_oneof![Just(AuthLevel::Normal), Just(AuthLevel::High)]),
        prop::option::of(message_type()),
        prop::option::of(version()),
        prop::option::of(prop::sample::select(NotificationType::ALL.to_vec())),
        prop::option::of("[A-Za-z0-9+/]{40,400}={0,2}"),
    );
    (addresses, texts, values).prop_map(|(a, t, v)| {
        let mut m = Metadata::default();
        (
            m.from,
            m.reply_to,
            m.sender,
            m.chosen_recipient,
            m.actual_recipient,
        ) = a;
        let own = |s: Option<String>| s.map(Cow::Owned);
        m.subject = t.0.map(Into::into);
        m.account_holder = t.1.map(Into::into);
        m.auth_mechanism = own(t.2);
        m.private_id = own(t.3);
        m.demail_message_id = own(t.4);
        m.originator_provider = own(t.5);
        m.message_id = own(t.6);
        m.date = v.0;
        for (option, value) in DispatchOption::ALL.into_iter().zip(v.1) {
            m.set_option(option, value);
        }
        m.auth_level = v.2;
        m.message_type = v.3;
        m.version = v.4;
        m.notification_type = v.5;
        m.signature_certificate = v.6.map(Into::into);
        m
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // parse(serialize(m)) == m
    #[test]
    fn header_block_round_trips(m in metadata()) {
        let block = m.to_header_block();
        let envelope = Envelope::parse(&block).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&block))))?;
        prop_assert!(envelope.field_errors().is_empty(), "{:?}\n{}", envelope.field_errors(), String::from_utf8_lossy(&block));
        prop_assert_eq!(envelope.metadata(), &m, "{}", String::from_utf8_lossy(&block));
    }

    // TR 01201-3.4 §3.1.21 conditions 3 and 4: folded lines, CRLF everywhere;
    // §3.1: X-de-mail names in lower case
    #[test]
    fn header_block_is_folded_with_crlf_and_lower_case_names(m in metadata()) {
        let block = m.to_header_block();
        let text = String::from_utf8(block.clone()).unwrap();
        prop_assert!(block.is_empty() || block.ends_with(b"\r\n"));
        for (i, byte) in block.iter().enumerate() {
            if *byte == b'\n' {
                prop_assert!(i > 0 && block[i - 1] == b'\r');
            }
        }
        for line in text.split("\r\n") {
            // A single word longer than a line (a long address) may not be
            // breakable; everything else stays within 78 characters.
            let breakable = line.trim().contains(' ');
            prop_assert!(line.chars().count() <= 78 || !breakable, "{line}");
            if !line.starts_with([' ', '\t']) && line.to_ascii_lowercase().starts_with("x-de-mail") {
                let name = line.split(':').next().unwrap();
                prop_assert_eq!(name, name.to_ascii_lowercase());
            }
        }
    }

    // RecipientList: Display then parse gives the same list
    #[test]
    fn recipient_list_round_trips(list in recipients()) {
        let text = list.to_string();
        prop_assert_eq!(RecipientList::parse(&text).unwrap(), list);
    }

    // A draft built into a message parses back to the metadata it was built from
    #[test]
    fn built_message_parses_back_to_its_metadata(
        sender in address(),
        to in prop::collection::vec(address(), 1..3),
        bcc in prop::collection::vec(address(), 0..2),
        subject in text(),
        holder in text(),
        date in date(),
    ) {
        let mut draft = MessageDraft::new(sender, subject);
        draft.to = to;
        draft.bcc = bcc;
        draft.text = "Hallo Welt\r\nZeile zwei äöü".into();
        draft.options = vec![DispatchOption::Private];
        draft.attachments.push(Attachment {
            content_type: "application/pdf".into(),
            filename: "antrag.pdf".into(),
            data: b"%PDF-1.4 tiny".to_vec(),
        });
        let provider = ProviderData {
            originator_provider: "mx.dmda-a.de-mail.de".into(),
            auth_level: AuthLevel::High,
            auth_mechanism: "nPA".into(),
            account_holder: holder.into(),
            message_id: "1@dmda-a.de-mail.de".into(),
            demail_message_id: "dmda-a-1".into(),
            date,
        };
        let message = draft.build(&provider);
        let envelope = Envelope::parse(&message).unwrap();
        prop_assert_eq!(envelope.metadata(), &draft.metadata(&provider));
        let parsed = mail_parser::MessageParser::default().parse(&message).unwrap();
        prop_assert_eq!(parsed.attachment_count(), 1);
    }
}

/// A built message is a valid normal message once the provider has added the
/// integrity field (§3.1.13), which the builder leaves to the integrity layer.
#[test]
fn built_message_is_valid_but_for_the_integrity_field() {
    let mut draft = MessageDraft::new(
        DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap(),
        "Antrag",
    );
    draft
        .to
        .push(DeMailAddress::parse("poststelle@stadt.de-mail.de").unwrap());
    draft.options = vec![DispatchOption::ConfirmationOfDispatch];
    let provider = ProviderData {
        originator_provider: "mx.dmda-a.de-mail.de".into(),
        auth_level: AuthLevel::Normal,
        auth_mechanism: "password".into(),
        account_holder: "Max Mustermann".into(),
        message_id: "1@dmda-a.de-mail.de".into(),
        demail_message_id: "dmda-a-1".into(),
        date: DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").unwrap(),
    };
    let message = draft.build(&provider);
    let report = Envelope::parse(&message).unwrap().validate();
    let rules: Vec<_> = report.violations().iter().map(|v| (v.field, v.rule)).collect();
    assert_eq!(
        rules,
        vec![(
            demail::fields::FieldName::Integrity,
            demail::validate::Rule::RequiredField
        )]
    );
}
