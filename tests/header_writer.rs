//! The one header writer (src/writer.rs, through `Metadata::to_header_block`)
//! read back by an independent mail parser: Python's `email` package with
//! the RFC 5322/RFC 2047 policy (`email.policy.default`).

use std::io::Write;
use std::process::{Command, Stdio};

use demail::address::DeMailAddress;
use demail::fields::DateTime;
use demail::metadata::Metadata;

mod xmldsig_common;

/// The fields Python reads from `message`, one `name\tvalue` line each
/// (values decoded and unfolded by Python).
fn python_fields(message: &[u8]) -> Vec<(String, String)> {
    let script = "import sys, email, email.policy\n\
        m = email.message_from_binary_file(sys.stdin.buffer, policy=email.policy.default)\n\
        for k, v in m.items(): print(k + '\\t' + str(v).replace('\\n', ' '))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(message)
        .expect("write");
    let out = child.wait_with_output().expect("python3 output");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

// RFC 5322 §2.2.3 folding, RFC 2047 encoded words, RFC 5322 §3.4 display
// names: what the crate writes, another parser reads as the same values.
#[test]
fn written_fields_read_back_in_python_email() {
    if !xmldsig_common::tool_available("python3") {
        return;
    }
    let subject = "Äußerst wichtige Mitteilung über die Straßenreinigung in Köln ".repeat(3);
    let subject = subject.trim();
    let holder = "Prof. Dr. Jürgen Müller-Lüdenscheidt";
    let mut metadata = Metadata::default();
    metadata.from =
        Some(DeMailAddress::parse("\"Müller, Jürgen\" <juergen.mueller@a.de-mail.de>").expect("from"));
    metadata.date = Some(DateTime::parse_rfc3339("2026-11-24T10:00:00+01:00").expect("date"));
    metadata.subject = Some(subject.into());
    metadata.account_holder = Some(holder.into());
    let mechanisms: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
    metadata.auth_mechanism = Some(mechanisms.join(" ").into());
    let mut message = metadata.to_header_block();
    message.extend_from_slice(b"\r\nbody\r\n");
    let fields = python_fields(&message);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{name} missing: {fields:?}"))
    };
    assert_eq!(get("Subject"), subject);
    assert_eq!(get("x-de-mail-account-holder"), holder);
    assert_eq!(get("From"), "\"Müller, Jürgen\" <juergen.mueller@a.de-mail.de>");
    assert_eq!(get("Date"), "Tue, 24 Nov 2026 10:00:00 +0100");
    assert_eq!(
        get("x-de-mail-auth-mechanism"),
        metadata.auth_mechanism.as_deref().unwrap()
    );
    for line in message.split(|b| *b == b'\n') {
        assert!(line.len() <= 79, "{}", String::from_utf8_lossy(line));
    }
}
