//! The MIME side of S/MIME (RFC 8551 §3): which header fields move into the
//! protected entity, the outer `application/pkcs7-mime` part, and the
//! signature layers of a decrypted entity.

use mail_parser::{MessageParser, MimeHeaders, PartType};
use ring::rand::{SecureRandom, SystemRandom};

use super::{Cipher, SmimeError};

/// One header field: its name and its raw bytes (all lines, with their
/// line ends).
struct Field<'a> {
    name: &'a [u8],
    raw: &'a [u8],
}

/// A message cut into its header fields and body.
pub(crate) struct Split<'a> {
    fields: Vec<Field<'a>>,
    body: &'a [u8],
    /// The line end the header uses (`\r\n` or `\n`).
    newline: &'static [u8],
    /// Whether `X-de-mail-integrity` is present.
    pub(crate) has_integrity: bool,
}

/// RFC 2045 §9: the content header fields are those starting `Content-`.
fn is_content_field(name: &[u8]) -> bool {
    name.len() >= 8 && name[..8].eq_ignore_ascii_case(b"content-")
}

/// Cuts `message` at the first empty line (RFC 5322 §2.1).
pub(crate) fn split(message: &[u8]) -> Result<Split<'_>, SmimeError> {
    let mut fields: Vec<Field<'_>> = Vec::new();
    let mut at = 0;
    let mut newline: &'static [u8] = b"\r\n";
    loop {
        let Some(end) = memchr::memchr(b'\n', &message[at..]).map(|i| at + i + 1) else {
            return Err(SmimeError::NotAMessage);
        };
        let line = &message[at..end];
        if line == b"\r\n" || line == b"\n" {
            let body = &message[end..];
            let has_integrity = fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(b"X-de-mail-integrity"));
            return Ok(Split {
                fields,
                body,
                newline,
                has_integrity,
            });
        }
        if at == 0 && !line.ends_with(b"\r\n") {
            newline = b"\n";
        }
        match (line[0], fields.last_mut()) {
            (b' ' | b'\t', Some(last)) => {
                let start = last.raw.as_ptr() as usize - message.as_ptr() as usize;
                last.raw = &message[start..end];
            }
            (b' ' | b'\t', None) => return Err(SmimeError::NotAMessage),
            _ => {
                let colon = memchr::memchr(b':', line).ok_or(SmimeError::NotAMessage)?;
                fields.push(Field {
                    name: line[..colon].trim_ascii(),
                    raw: line,
                });
            }
        }
        at = end;
    }
}

/// Rewrites bare LF and bare CR line ends as CRLF (RFC 8551 §3.1.1
/// canonical form), copying the runs between line ends whole.
fn to_crlf(bytes: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for at in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        if at < start {
            continue; // the LF of a CRLF already copied
        }
        out.extend_from_slice(&bytes[start..at]);
        out.extend_from_slice(b"\r\n");
        start = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The content entity in canonical form: the `Content-*` fields, an empty
/// line and the body, with CRLF line ends.
pub(crate) fn canonical_entity(split: &Split<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(split.body.len() + 512);
    for field in split.fields.iter().filter(|f| is_content_field(f.name)) {
        to_crlf(field.raw, &mut out);
    }
    out.extend_from_slice(b"\r\n");
    to_crlf(split.body, &mut out);
    out
}

/// The base64 of `bytes` in lines of 76 characters with CRLF (RFC 2045 §6.8).
pub(crate) fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = Vec::with_capacity(text.len() + text.len() / 38 + 2);
    for line in text.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A fresh multipart boundary.
pub(crate) fn boundary() -> Result<String, SmimeError> {
    let mut bytes = [0u8; 12];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| SmimeError::Random)?;
    Ok(format!(
        "----=_demail_smime_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn non_content_fields(split: &Split<'_>, out: &mut Vec<u8>) {
    for field in split.fields.iter().filter(|f| !is_content_field(f.name)) {
        out.extend_from_slice(field.raw);
    }
}

/// The protected message: every non-content field byte for byte, then the
/// `application/pkcs7-mime` part (RFC 8551 §3.3).
pub(crate) fn protected_message(split: &Split<'_>, der: &[u8], cipher: Cipher) -> Vec<u8> {
    let nl = split.newline;
    let mut out = Vec::with_capacity(der.len() * 4 / 3 + 2048);
    non_content_fields(split, &mut out);
    if !split
        .fields
        .iter()
        .any(|f| f.name.eq_ignore_ascii_case(b"MIME-Version"))
    {
        out.extend_from_slice(b"MIME-Version: 1.0");
        out.extend_from_slice(nl);
    }
    let smime_type = match cipher {
        Cipher::Aes256Gcm => "authEnveloped-data",
        Cipher::Aes256Cbc => "enveloped-data",
    };
    for line in [
        format!("Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\""),
        "Content-Transfer-Encoding: base64".to_owned(),
        "Content-Disposition: attachment; filename=\"smime.p7m\"".to_owned(),
        String::new(),
    ] {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(nl);
    }
    for line in base64_lines(der).split_inclusive(|b| *b == b'\n') {
        out.extend_from_slice(&line[..line.len() - 2]);
        out.extend_from_slice(nl);
    }
    out
}

/// The `From` and `Sender` addresses of the message (RFC 5322 §3.6.2),
/// against which a signer's certificate is checked (RFC 8550 §3).
pub(crate) fn sender_addresses(split: &Split<'_>) -> Vec<String> {
    let mut header = Vec::new();
    for field in split
        .fields
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case(b"From") || f.name.eq_ignore_ascii_case(b"Sender"))
    {
        header.extend_from_slice(field.raw);
    }
    header.extend_from_slice(split.newline);
    MessageParser::new()
        .parse_headers(&header)
        .map(|parsed| message_senders(&parsed))
        .unwrap_or_default()
}

/// The `From` and `Sender` addresses of a parsed message.
pub(crate) fn message_senders(parsed: &mail_parser::Message<'_>) -> Vec<String> {
    parsed
        .from()
        .into_iter()
        .chain(parsed.sender())
        .flat_map(|list| list.iter())
        .filter_map(|addr| addr.address())
        .map(str::to_owned)
        .collect()
}

/// The message with the opened entity in place of the S/MIME part.
pub(crate) fn restored_message(split: &Split<'_>, entity: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entity.len() + 4096);
    non_content_fields(split, &mut out);
    out.extend_from_slice(entity);
    out
}

/// The DER of the encrypted CMS object in the message's content: the
/// content fields are read with mail-parser, the body is decoded directly
/// (base64, or binary), without a MIME parse of the whole body.
pub(crate) fn encrypted_payload(split: &Split<'_>) -> Result<Vec<u8>, SmimeError> {
    let mut header = Vec::new();
    for field in split.fields.iter().filter(|f| is_content_field(f.name)) {
        header.extend_from_slice(field.raw);
    }
    header.extend_from_slice(split.newline);
    let parsed = MessageParser::new()
        .parse_headers(&header)
        .ok_or(SmimeError::NotAMessage)?;
    let content_type = parsed.content_type().map_or_else(
        || "text/plain".to_owned(),
        |ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase(),
    );
    if content_type != "application/pkcs7-mime" && content_type != "application/x-pkcs7-mime" {
        return Err(SmimeError::NotEncrypted { content_type });
    }
    let encoding = parsed
        .content_transfer_encoding()
        .map(|e| e.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        Some("base64") => std::str::from_utf8(split.body)
            .ok()
            .and_then(crate::pem::decode_base64)
            .ok_or(SmimeError::Base64),
        None | Some("binary" | "8bit" | "7bit") => Ok(split.body.to_vec()),
        Some(_) => Err(SmimeError::Base64),
    }
}

/// A signature layer found in an entity.
pub(crate) struct SignedLayer {
    /// The CMS `ContentInfo` (DER or BER).
    pub(crate) cms: Vec<u8>,
    /// The signed content of a `multipart/signed`, byte for byte.
    pub(crate) detached: Option<Vec<u8>>,
}

/// The signature layer of `entity`, if it is `multipart/signed` with an
/// S/MIME protocol or `application/pkcs7-mime` with signed data.
pub(crate) fn signed_layer(entity: &[u8]) -> Result<Option<SignedLayer>, SmimeError> {
    let Some(parsed) = MessageParser::new().parse(entity) else {
        return Ok(None);
    };
    let Some(ct) = parsed.content_type() else {
        return Ok(None);
    };
    let kind = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase();
    let attribute = |name: &str| ct.attribute(name).map(|v| v.trim().to_ascii_lowercase());
    match kind.as_str() {
        "multipart/signed" => {
            let protocol = attribute("protocol");
            if !matches!(
                protocol.as_deref(),
                Some("application/pkcs7-signature" | "application/x-pkcs7-signature")
            ) {
                return Ok(None);
            }
            let boundary = ct
                .attribute("boundary")
                .ok_or(SmimeError::SignatureLayer("multipart/signed without boundary"))?;
            let (signed, signature) = signed_and_signature(&parsed, entity, boundary.as_bytes())?;
            Ok(Some(SignedLayer {
                cms: signature,
                detached: Some(signed.to_vec()),
            }))
        }
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => {
            let cms = match parsed.part(0).map(|p| &p.body) {
                Some(PartType::Binary(bytes) | PartType::InlineBinary(bytes)) => bytes.to_vec(),
                _ => return Ok(None),
            };
            let signed = match attribute("smime-type").as_deref() {
                Some("signed-data") => true,
                Some(_) => false,
                None => is_signed_data(&cms),
            };
            Ok(signed.then_some(SignedLayer { cms, detached: None }))
        }
        _ => Ok(None),
    }
}

/// The signed part (raw bytes, header fields included) and the decoded
/// signature of a `multipart/signed` (RFC 8551 §3.5.3: exactly two body
/// parts). The signed bytes are cut by [`body_parts`] (RFC 2046 §5.1.1);
/// mail-parser, which `analyze` and the signature use, must find the same
/// two parts at the same offsets. A parser that accepts a boundary mid-line
/// or stops at another close delimiter would show one content and verify
/// another: that ambiguity is refused (docs/decisions.md D68).
fn signed_and_signature<'a>(
    parsed: &mail_parser::Message<'_>,
    entity: &'a [u8],
    boundary: &[u8],
) -> Result<(&'a [u8], Vec<u8>), SmimeError> {
    let Some(PartType::Multipart(children)) = parsed.part(0).map(|p| &p.body) else {
        return Err(SmimeError::SignatureLayer("multipart/signed without parts"));
    };
    let strict = body_parts(entity, boundary).ok_or(SmimeError::SignatureLayer(
        "multipart/signed without a close delimiter",
    ))?;
    let ([first, second], [signed, signature_range]) = (children.as_slice(), strict.as_slice()) else {
        return Err(SmimeError::SignatureLayer(
            "multipart/signed must have exactly two parts (RFC 8551 §3.5.3)",
        ));
    };
    let (Some(first), Some(second)) = (parsed.part(*first), parsed.part(*second)) else {
        return Err(SmimeError::SignatureLayer(
            "multipart/signed without a signature part",
        ));
    };
    let starts_at = |part: &mail_parser::MessagePart<'_>, at: usize| {
        usize::try_from(part.offset_header).is_ok_and(|start| start == at)
    };
    if !starts_at(first, signed.start) || !starts_at(second, signature_range.start) {
        return Err(SmimeError::SignatureLayer(
            "the parts of multipart/signed are ambiguous (a delimiter not at the start of a line)",
        ));
    }
    Ok((&entity[signed.clone()], second.contents().to_vec()))
}

/// The body parts of a multipart entity as byte ranges: each from after a
/// delimiter line to before the CRLF of the next delimiter (RFC 2046
/// §5.1.1: delimiters start a line, that CRLF belongs to the delimiter),
/// up to the close delimiter. `None` without a close delimiter.
fn body_parts(entity: &[u8], boundary: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    let is_line_start = |at: usize| at == 0 || entity[at - 1] == b'\n';
    let mut parts = Vec::new();
    let mut open: Option<usize> = None;
    let mut after = 0;
    for at in memchr::memmem::find_iter(entity, &delimiter).filter(|&at| is_line_start(at)) {
        if at < after {
            continue;
        }
        if let Some(start) = open {
            let mut end = at;
            if end > start && entity[end - 1] == b'\n' {
                end -= 1;
                if end > start && entity[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            parts.push(start..end);
        }
        let rest = &entity[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        let line_end = at + memchr::memchr(b'\n', &entity[at..])?;
        after = line_end + 1;
        open = Some(after);
    }
    None
}

/// Whether a CMS object's content type is id-signedData.
fn is_signed_data(cms: &[u8]) -> bool {
    use der::Decode;
    cms::content_info::ContentInfo::from_ber(cms)
        .is_ok_and(|info| info.content_type == super::oids::SIGNED_DATA)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter
    #[test]
    fn body_parts_exclude_the_crlf_before_the_delimiter() {
        let entity = b"Content-Type: multipart/signed; boundary=b\r\n\r\npre\r\n--b\r\nA\r\n\r\nx\r\n--b\r\nsig\r\n--b--\r\nepilogue\r\n--b\r\n";
        let parts = body_parts(entity, b"b").expect("a close delimiter");
        assert_eq!(parts.len(), 2);
        assert_eq!(&entity[parts[0].clone()], b"A\r\n\r\nx");
        assert_eq!(&entity[parts[1].clone()], b"sig");
        assert_eq!(body_parts(b"no delimiter", b"b"), None);
        assert_eq!(body_parts(b"--b\r\nA\r\n--b\r\n", b"b"), None);
    }

    // RFC 8551 §3.1.1: bare CR and bare LF become CRLF, CRLF stays
    #[test]
    fn canonical_form_has_crlf_line_ends() {
        let mut out = Vec::new();
        to_crlf(b"a\nb\r\nc\rd\r", &mut out);
        assert_eq!(out, b"a\r\nb\r\nc\r\nd\r\n");
        out.clear();
        to_crlf(b"no line end", &mut out);
        assert_eq!(out, b"no line end");
    }

    // RFC 2045 §6.8: line breaks in base64 are ignored (the crate's one
    // base64 decoder); broken base64 is `Base64`
    #[test]
    fn encrypted_payload_ignores_line_breaks_in_base64() {
        let message = b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nSGFs\r\nbG8=\r\n";
        assert_eq!(encrypted_payload(&split(message).unwrap()).unwrap(), b"Hallo");
        let broken =
            b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nSGFs*bG8=\r\n";
        assert_eq!(
            encrypted_payload(&split(broken).unwrap()),
            Err(SmimeError::Base64)
        );
    }

    // RFC 2045 §9: only Content-* fields move into the protected entity
    #[test]
    fn content_fields_move_into_the_entity_and_subject_stays() {
        let message = b"Subject: Hallo\nContent-Type: text/plain\nX-de-mail-version: 1.0\n\nText\n";
        let split = split(message).expect("a message");
        assert_eq!(
            canonical_entity(&split),
            b"Content-Type: text/plain\r\n\r\nText\r\n"
        );
        let mut outer = Vec::new();
        non_content_fields(&split, &mut outer);
        assert_eq!(outer, b"Subject: Hallo\nX-de-mail-version: 1.0\n");
    }
}
