//! Independent cross-checks: openssl, and a second, deliberately simple
//! canonicalization of the integrity input, so tests do not check the crate
//! only against itself.
#![allow(dead_code)]

pub fn openssl(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl must be installed (.ci/run installs it)");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

// A second, deliberately simple implementation of the canonical input of
// RFC 6376 §3.7 with the De-Mail rules, working on text lines.

/// Header fields as (lower-case name, exact text with CRLFs).
pub fn fields(message: &str) -> Vec<(String, String)> {
    let header = &message[..message.find("\r\n\r\n").unwrap() + 2];
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in header.split_inclusive("\r\n") {
        if line.starts_with([' ', '\t']) {
            fields.last_mut().unwrap().1.push_str(line);
        } else {
            let name = line.split(':').next().unwrap().trim().to_ascii_lowercase();
            fields.push((name, line.to_owned()));
        }
    }
    fields
}

/// Byte range of the b= value (after "b=" up to the end of the field value).
pub fn b_value_range(message: &str) -> (usize, usize) {
    let start = message.find("x-de-mail-integrity:").unwrap();
    let field_len = fields(&message[start..])[0].1.len();
    let field = &message[start..start + field_len];
    let b = field
        .rfind("; b=")
        .map(|i| i + 4)
        .or_else(|| field.rfind(" b=").map(|i| i + 3))
        .unwrap();
    let end = field[b..].find(';').map_or(field_len - 2, |i| b + i);
    (start + b, start + end)
}

pub fn header_input(message: &[u8]) -> Vec<u8> {
    let message = String::from_utf8(message.to_vec()).unwrap();
    let all = fields(&message);
    let integrity = all
        .iter()
        .find(|(n, _)| n == "x-de-mail-integrity")
        .unwrap()
        .1
        .clone();
    let unfolded = integrity.replace("\r\n", "");
    let h_start = unfolded.find("h=").unwrap() + 2;
    let h_end = h_start + unfolded[h_start..].find(';').unwrap();
    let mut input = String::new();
    for name in unfolded[h_start..h_end].split(':') {
        let name = name.trim().to_ascii_lowercase();
        if let Some((_, text)) = all.iter().find(|(n, _)| *n == name) {
            input.push_str(text);
        }
    }
    let (b_start, b_end) = b_value_range(&message);
    let field_start = message.find("x-de-mail-integrity:").unwrap();
    let field_end = field_start + integrity.len() - 2;
    input.push_str(&message[field_start..b_start]);
    input.push_str(&message[b_end..field_end]);
    input.into_bytes()
}

/// Recomputes b= of a hash-only message with the independent canonicalization.
pub fn recompute_hash_only(message: &[u8]) -> Vec<u8> {
    let input = header_input(message);
    let digest = openssl(&["dgst", "-sha256", "-binary"], &input);
    let b64 = openssl(&["base64", "-A"], &digest);
    let text = String::from_utf8_lossy(message).into_owned();
    let start = text.find("b=").map(|_| b_value_range(&text)).unwrap();
    format!(
        "{}{}{}",
        &text[..start.0],
        String::from_utf8_lossy(&b64),
        &text[start.1..]
    )
    .into_bytes()
}

/// Replaces the signature and the certificate field of a signed message
/// (`template`, made by the crate for its field layout) with openssl's
/// signature over the independently computed input, made with `key`, and
/// the certificate `cert` (PEM): an untouched message signed with a key the
/// crate itself cannot sign with (RSA-1024, P-521, secp256k1).
pub fn resign_with_openssl(template: &[u8], key: &std::path::Path, cert: &std::path::Path) -> Vec<u8> {
    let input = header_input(template);
    let signature = openssl(&["dgst", "-sha256", "-sign", key.to_str().unwrap()], &input);
    let b64 = openssl(&["base64", "-A"], &signature);
    let text = String::from_utf8_lossy(template).into_owned();
    let (start, end) = b_value_range(&text);
    let text = format!(
        "{}{}{}",
        &text[..start],
        String::from_utf8_lossy(&b64),
        &text[end..]
    );
    let der = openssl(&["x509", "-in", cert.to_str().unwrap(), "-outform", "DER"], b"");
    let cert_b64 = String::from_utf8(openssl(&["base64", "-A"], &der)).unwrap();
    let field_start = text
        .to_ascii_lowercase()
        .find("x-de-mail-signature-certificate:")
        .unwrap();
    let header_end = text.find("\r\n\r\n").unwrap();
    assert!(
        field_start < header_end,
        "the certificate field is the last header field"
    );
    let folded: Vec<&str> = cert_b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "{}X-de-mail-signature-certificate: {}{}",
        &text[..field_start],
        folded.join("\r\n "),
        &text[header_end..]
    )
    .into_bytes()
}
