//! End-to-end transparency (Clientseitige Signatur und Verschlüsselung,
//! TR 01201-3.4 §2.1.3): which protection a message's content really has.
//!
//! De-Mail's own integrity value and the provider signature (§3.1.21) are
//! applied by the provider, and the providers decrypt the transport
//! encryption: without client-side protection the provider can read the
//! message. [`analyze`] tells from the MIME structure whether the sender
//! protected the content end to end, and which parts are covered:
//!
//! | Mechanism | Recognised by |
//! |-----------|---------------|
//! | S/MIME signed | `multipart/signed; protocol=application/(x-)pkcs7-signature`, `application/(x-)pkcs7-mime; smime-type=signed-data` (RFC 8551) |
//! | S/MIME encrypted | `application/(x-)pkcs7-mime; smime-type=enveloped-data` or `authEnveloped-data` |
//! | PGP/MIME signed | `multipart/signed; protocol=application/pgp-signature` (RFC 3156) |
//! | PGP/MIME encrypted | `multipart/encrypted; protocol=application/pgp-encrypted` |
//! | inline PGP | `-----BEGIN PGP MESSAGE-----` / `-----BEGIN PGP SIGNED MESSAGE-----` in a text part |
//!
//! An `application/pkcs7-mime` part without `smime-type` is classified by
//! the CMS content type OID at the start of its content.
//!
//! Part paths: `0` is the whole body; `1`, `2`, ... are the children of a
//! multipart body, `1.2` the second child of the first (IMAP section
//! numbering below the root). A `message/rfc822` attachment's body is its
//! part path followed by `.1`.
//!
//! The crate never changes such content: every operation (forward,
//! redirect, BCC fan-out, mbox export/import) copies the body byte for byte.
//!
//! ```
//! use demail::protection::{analyze, Coverage, Mechanism};
//!
//! let raw = std::fs::read("tests/data/e2e/smime-encrypted.eml")?;
//! let protection = analyze(&raw)?;
//! assert_eq!(protection.findings[0].mechanism, Mechanism::SmimeEncrypted);
//! assert_eq!(protection.encrypted, Coverage::Whole);
//! assert!(!protection.provider_can_read());
//!
//! let plain = analyze(&std::fs::read("tests/data/normal-minimal.eml")?)?;
//! assert!(plain.findings.is_empty() && plain.provider_can_read());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// A client-side protection mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Mechanism {
    /// S/MIME signature, detached (`multipart/signed`) or opaque (`signed-data`).
    SmimeSigned,
    /// S/MIME encryption (`enveloped-data` or `authEnveloped-data`).
    SmimeEncrypted,
    /// PGP/MIME signature (RFC 3156 §5).
    PgpMimeSigned,
    /// PGP/MIME encryption (RFC 3156 §4).
    PgpMimeEncrypted,
    /// An inline PGP clear-signed text (`BEGIN PGP SIGNED MESSAGE`).
    InlinePgpSigned,
    /// An inline PGP message (`BEGIN PGP MESSAGE`): encrypted (or signed
    /// inside, which cannot be told without decrypting).
    InlinePgpEncrypted,
}

impl Mechanism {
    /// The identifier used in JSON output, e.g. `smime-encrypted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mechanism::SmimeSigned => "smime-signed",
            Mechanism::SmimeEncrypted => "smime-encrypted",
            Mechanism::PgpMimeSigned => "pgp-mime-signed",
            Mechanism::PgpMimeEncrypted => "pgp-mime-encrypted",
            Mechanism::InlinePgpSigned => "inline-pgp-signed",
            Mechanism::InlinePgpEncrypted => "inline-pgp-encrypted",
        }
    }

    /// Whether the mechanism hides the content from the provider.
    pub const fn encrypts(self) -> bool {
        matches!(
            self,
            Mechanism::SmimeEncrypted | Mechanism::PgpMimeEncrypted | Mechanism::InlinePgpEncrypted
        )
    }
}

crate::display::display_as!(Mechanism, as_str);

/// The path of a MIME part: child indices from the body, 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartPath(pub Vec<u32>);

impl PartPath {
    /// Whether this is the whole body.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn child(&self, index: u32) -> PartPath {
        let mut path = self.0.clone();
        path.push(index);
        PartPath(path)
    }
}

/// The dotted text of [`Display`](fmt::Display), `1.2` (`0` for the root).
#[cfg(feature = "serde")]
impl serde::Serialize for PartPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `{"provider_can_read", "signed", "encrypted", "findings"}`.
#[cfg(feature = "serde")]
impl serde::Serialize for Protection {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Protection", 4)?;
        out.serialize_field("provider_can_read", &self.provider_can_read())?;
        out.serialize_field("signed", &self.signed)?;
        out.serialize_field("encrypted", &self.encrypted)?;
        out.serialize_field("findings", &self.findings)?;
        out.end()
    }
}

/// `{"part", "signers": [...] | null, "error": {...} | null}`: one report
/// per signer, or why the part could not be checked.
#[cfg(all(feature = "serde", feature = "smime"))]
impl serde::Serialize for SignatureCheck {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("SignatureCheck", 3)?;
        out.serialize_field("part", &self.part)?;
        out.serialize_field("signers", &self.result.as_ref().ok())?;
        out.serialize_field("error", &self.result.as_ref().err())?;
        out.end()
    }
}

impl fmt::Display for PartPath {
    /// `0` for the whole body, else `1.2.3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("0");
        }
        for (i, index) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{index}")?;
        }
        Ok(())
    }
}

/// One protected part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Finding {
    /// How it is protected.
    pub mechanism: Mechanism,
    /// The part that carries the protection (the `multipart/signed`, the
    /// `application/pkcs7-mime`, the text part with the armor...).
    pub part: PartPath,
    /// The parts whose content the protection covers (each with its
    /// sub-parts): the first child of a `multipart/signed`, otherwise the
    /// part itself.
    pub covered: Vec<PartPath>,
}

/// How much of the content a kind of protection covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Coverage {
    /// Nothing.
    None,
    /// Some parts (an encrypted attachment, a signed part), not the whole.
    Parts,
    /// The whole content.
    Whole,
}

impl Coverage {
    /// `none`, `parts` or `whole`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Coverage::None => "none",
            Coverage::Parts => "parts",
            Coverage::Whole => "whole",
        }
    }
}

/// The client-side protection of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    /// Every protected part, in document order.
    pub findings: Vec<Finding>,
    /// How much is signed by the sender.
    pub signed: Coverage,
    /// How much is encrypted end to end.
    pub encrypted: Coverage,
}

impl ProtectionError {
    /// A stable snake_case code: `too_large`, `too_deep`, `too_many_parts`,
    /// `not_a_message`.
    pub const fn code(&self) -> &'static str {
        match self {
            ProtectionError::TooLarge { .. } => "too_large",
            ProtectionError::TooDeep { .. } => "too_deep",
            ProtectionError::TooManyParts { .. } => "too_many_parts",
            ProtectionError::NotAMessage => "not_a_message",
        }
    }
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for ProtectionError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), None, self, None)
    }
}

impl Protection {
    /// Whether the providers can read the content: true unless all of it
    /// is encrypted end to end (De-Mail's own transport encryption ends at
    /// each provider).
    pub fn provider_can_read(&self) -> bool {
        self.encrypted != Coverage::Whole
    }
}

/// Bounds on the analysis, so hostile input cannot exhaust memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectionLimits {
    /// Largest message in bytes (default 64 MiB).
    pub max_bytes: usize,
    /// Deepest part nesting (default 32).
    pub max_depth: usize,
    /// Most parts (default 10 000).
    pub max_parts: usize,
}

impl Default for ProtectionLimits {
    fn default() -> Self {
        ProtectionLimits {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 32,
            max_parts: 10_000,
        }
    }
}

/// Why a message could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectionError {
    /// The message is larger than [`ProtectionLimits::max_bytes`].
    #[error("message of {size} bytes exceeds the analysis limit of {limit} bytes")]
    TooLarge {
        /// The message size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Parts are nested deeper than [`ProtectionLimits::max_depth`].
    #[error("MIME parts nested deeper than {limit} at part {path}")]
    TooDeep {
        /// The part where the limit was hit.
        path: String,
        /// The limit in force.
        limit: usize,
    },
    /// More parts than [`ProtectionLimits::max_parts`].
    #[error("more than {limit} MIME parts")]
    TooManyParts {
        /// The limit in force.
        limit: usize,
    },
    /// The input is not a MIME message.
    #[error("not an e-mail message (RFC 5322 / RFC 2045)")]
    NotAMessage,
}

/// The client-side protection of a message, with the default [`ProtectionLimits`].
///
/// # Errors
/// A [`ProtectionError`] when the input is not a message or breaks a limit.
pub fn analyze(message: &[u8]) -> Result<Protection, ProtectionError> {
    analyze_with_limits(message, &ProtectionLimits::default())
}

/// The client-side protection of a message, with the given limits.
///
/// # Errors
/// A [`ProtectionError`] when the input is not a message or breaks a limit.
pub fn analyze_with_limits(message: &[u8], limits: &ProtectionLimits) -> Result<Protection, ProtectionError> {
    let parsed = parse(message, limits)?;
    Ok(Walk::run(&parsed, limits, false)?.protection())
}

/// Parses a message after checking its size against the limit, so that an
/// oversized input is refused before the parser reads it.
fn parse<'m>(message: &'m [u8], limits: &ProtectionLimits) -> Result<Message<'m>, ProtectionError> {
    if message.len() > limits.max_bytes {
        return Err(ProtectionError::TooLarge {
            size: message.len(),
            limit: limits.max_bytes,
        });
    }
    MessageParser::new()
        .parse(message)
        .ok_or(ProtectionError::NotAMessage)
}

impl<'l> Walk<'l> {
    /// Walks a parsed message from its root; `collect_signed` keeps the raw
    /// bytes of every S/MIME signed part for verification.
    fn run(
        message: &Message<'_>,
        limits: &'l ProtectionLimits,
        collect_signed: bool,
    ) -> Result<Self, ProtectionError> {
        let mut walk = Walk {
            limits,
            parts: 0,
            findings: Vec::new(),
            whole_signed: false,
            whole_encrypted: false,
            signed_parts: collect_signed.then(Vec::new),
        };
        walk.part(message, 0, &PartPath::default(), 0, true)?;
        Ok(walk)
    }

    fn protection(self) -> Protection {
        let coverage = |whole: bool, any: bool| match (whole, any) {
            (true, _) => Coverage::Whole,
            (false, true) => Coverage::Parts,
            (false, false) => Coverage::None,
        };
        let any_signed = self.findings.iter().any(|f| !f.mechanism.encrypts());
        let any_encrypted = self.findings.iter().any(|f| f.mechanism.encrypts());
        Protection {
            signed: coverage(self.whole_signed, any_signed),
            encrypted: coverage(self.whole_encrypted, any_encrypted),
            findings: self.findings,
        }
    }
}

/// The check of one S/MIME signed part (PVD FU Schritt 64).
#[cfg(feature = "smime")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The `multipart/signed` or `signed-data` part.
    pub part: PartPath,
    /// One report per signer, or why the part could not be checked at all.
    pub result: Result<Vec<crate::smime::SignatureReport>, crate::smime::SmimeError>,
}

/// The protection of a message, with every S/MIME signature it carries
/// verified (PVD FU Schritt 63–64, optional in the TR): the mathematical
/// check (FC-01), the signer's certificate validity, its e-mail address
/// against the message's From/Sender (RFC 8550 §3) and its chain (FC-02) and
/// the status check of `options` (FC-03). Encrypted parts are not opened.
///
/// ```
/// use demail::protection::verify_signatures;
/// use demail::trust::VerifyOptions;
///
/// let raw = std::fs::read("tests/data/e2e/smime-signed.eml")?;
/// let (protection, checks) = verify_signatures(&raw, &VerifyOptions::default())?;
/// assert!(protection.provider_can_read());
/// let reports = checks[0].result.as_ref().expect("an S/MIME signature");
/// assert!(reports[0].signature_valid);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`ProtectionError`] when the input is not a message or breaks a limit.
#[cfg(feature = "smime")]
pub fn verify_signatures(
    message: &[u8],
    options: &crate::trust::VerifyOptions<'_>,
) -> Result<(Protection, Vec<SignatureCheck>), ProtectionError> {
    let limits = ProtectionLimits::default();
    let parsed = parse(message, &limits)?;
    let mut walk = Walk::run(&parsed, &limits, true)?;
    let signed_parts = walk.signed_parts.take().unwrap_or_default();
    // RFC 8550 §3: the signer must be the message's From or Sender.
    let senders = crate::smime::message_senders(&parsed);
    let checks = signed_parts
        .into_iter()
        .map(|(part, entity)| SignatureCheck {
            part,
            result: crate::smime::verify_signed_entity(&entity, &senders, options),
        })
        .collect();
    Ok((walk.protection(), checks))
}

struct Walk<'l> {
    limits: &'l ProtectionLimits,
    parts: usize,
    findings: Vec<Finding>,
    whole_signed: bool,
    whole_encrypted: bool,
    /// When collecting: the raw bytes of every S/MIME signed part.
    signed_parts: Option<Vec<(PartPath, Vec<u8>)>>,
}

impl Walk<'_> {
    /// Visits one part. `whole` says whether the part holds the whole
    /// content (the root, or the signed content of a whole-message
    /// signature).
    fn part(
        &mut self,
        message: &Message<'_>,
        id: u32,
        path: &PartPath,
        depth: usize,
        whole: bool,
    ) -> Result<(), ProtectionError> {
        if depth > self.limits.max_depth {
            return Err(ProtectionError::TooDeep {
                path: path.to_string(),
                limit: self.limits.max_depth,
            });
        }
        self.parts += 1;
        if self.parts > self.limits.max_parts {
            return Err(ProtectionError::TooManyParts {
                limit: self.limits.max_parts,
            });
        }
        let Some(part) = message.part(id) else {
            return Ok(());
        };
        let (ctype, subtype) = part
            .content_type()
            .map_or(("text", "plain"), |ct| (ct.ctype(), ct.subtype().unwrap_or("")));
        let attribute = |name: &str| {
            part.content_type()
                .and_then(|ct| ct.attributes())
                .and_then(|attributes| attributes.iter().find(|a| a.name.eq_ignore_ascii_case(name)))
                .map(|a| a.value.trim().to_ascii_lowercase())
        };
        let is = |t: &str, s: &str| ctype.eq_ignore_ascii_case(t) && subtype.eq_ignore_ascii_case(s);

        match &part.body {
            PartType::Multipart(children) if is("multipart", "signed") => {
                let mechanism = match attribute("protocol").as_deref() {
                    Some("application/pkcs7-signature" | "application/x-pkcs7-signature") => {
                        Some(Mechanism::SmimeSigned)
                    }
                    Some("application/pgp-signature") => Some(Mechanism::PgpMimeSigned),
                    _ => None,
                };
                if let Some(mechanism) = mechanism {
                    self.record(mechanism, path, vec![path.child(1)], whole);
                    self.keep_signed(message, part, mechanism, path);
                }
                // Only the signed content can hold more protection; the
                // signature part is the signature.
                if let Some(first) = children.first() {
                    self.part(
                        message,
                        *first,
                        &path.child(1),
                        depth + 1,
                        whole && mechanism.is_some(),
                    )?;
                }
            }
            PartType::Multipart(_)
                if is("multipart", "encrypted")
                    && attribute("protocol").as_deref() == Some("application/pgp-encrypted") =>
            {
                self.record(Mechanism::PgpMimeEncrypted, path, vec![path.clone()], whole);
            }
            PartType::Multipart(children) => {
                for (i, child) in children.iter().enumerate() {
                    let index = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    self.part(message, *child, &path.child(index), depth + 1, false)?;
                }
            }
            PartType::Message(nested) => {
                self.part(nested, 0, &path.child(1), depth + 1, false)?;
            }
            body if is("application", "pkcs7-mime") || is("application", "x-pkcs7-mime") => {
                let content: &[u8] = match body {
                    PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes,
                    _ => &[],
                };
                let mechanism = match attribute("smime-type").as_deref() {
                    Some("enveloped-data" | "authenveloped-data") => Some(Mechanism::SmimeEncrypted),
                    Some("signed-data") => Some(Mechanism::SmimeSigned),
                    Some(_) => None,
                    None => cms_content_type(content),
                };
                if let Some(mechanism) = mechanism {
                    self.record(mechanism, path, vec![path.clone()], whole);
                    self.keep_signed(message, part, mechanism, path);
                }
            }
            PartType::Text(text) if ctype.eq_ignore_ascii_case("text") => {
                if let Some((mechanism, only_armor)) = inline_pgp(text) {
                    self.record(mechanism, path, vec![path.clone()], whole && only_armor);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps the raw bytes of an S/MIME signed part when collecting.
    fn keep_signed(
        &mut self,
        message: &Message<'_>,
        part: &mail_parser::MessagePart<'_>,
        mechanism: Mechanism,
        path: &PartPath,
    ) {
        if mechanism != Mechanism::SmimeSigned {
            return;
        }
        if let Some(kept) = &mut self.signed_parts {
            let start = usize::try_from(part.offset_header).unwrap_or(usize::MAX);
            let end = usize::try_from(part.offset_end).unwrap_or(usize::MAX);
            if let Some(raw) = message.raw_message.get(start..end) {
                kept.push((path.clone(), raw.to_vec()));
            }
        }
    }

    fn record(&mut self, mechanism: Mechanism, path: &PartPath, covered: Vec<PartPath>, whole: bool) {
        if whole {
            if mechanism.encrypts() {
                self.whole_encrypted = true;
            } else {
                self.whole_signed = true;
            }
        }
        self.findings.push(Finding {
            mechanism,
            part: path.clone(),
            covered,
        });
    }
}

/// The CMS content type of a DER `ContentInfo` (RFC 5652 §3): the first
/// OID within its first bytes.
fn cms_content_type(content: &[u8]) -> Option<Mechanism> {
    const SIGNED_DATA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    const ENVELOPED_DATA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
    const AUTH_ENVELOPED_DATA: &[u8] = &[
        0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
    ];
    let head = &content[..content.len().min(16)];
    let has = |oid: &[u8]| head.windows(oid.len()).any(|w| w == oid);
    if has(ENVELOPED_DATA) || has(AUTH_ENVELOPED_DATA) {
        Some(Mechanism::SmimeEncrypted)
    } else if has(SIGNED_DATA) {
        Some(Mechanism::SmimeSigned)
    } else {
        None
    }
}

const BEGIN_MESSAGE: &str = "-----BEGIN PGP MESSAGE-----";
const END_MESSAGE: &str = "-----END PGP MESSAGE-----";
const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// An inline PGP block in a text, and whether the text is nothing but it
/// (D45): exactly one armored block, see [`single_armored_block`].
fn inline_pgp(text: &str) -> Option<(Mechanism, bool)> {
    if let Some(mechanism) = single_armored_block(text) {
        return Some((mechanism, true));
    }
    if find_armor(text, BEGIN_MESSAGE).is_some() {
        Some((Mechanism::InlinePgpEncrypted, false))
    } else if find_armor(text, BEGIN_SIGNED).is_some() {
        Some((Mechanism::InlinePgpSigned, false))
    } else {
        None
    }
}

/// The mechanism when the trimmed text is exactly one armored block
/// (RFC 4880 §6.2, §7): `BEGIN PGP MESSAGE` whose first `END PGP MESSAGE`
/// line is the last line, or a cleartext signature `BEGIN PGP SIGNED
/// MESSAGE` ... `BEGIN PGP SIGNATURE` ... whose first `END PGP SIGNATURE`
/// line is the last line. The lines inside an armor (between `BEGIN PGP
/// MESSAGE`/`SIGNATURE` and its `END`) must be armor headers (`Key: value`)
/// or radix-64 data, so readable text cannot hide inside a block either.
fn single_armored_block(text: &str) -> Option<Mechanism> {
    let mut lines = text.trim().lines().map(str::trim_end);
    let (mechanism, end) = match lines.next()? {
        BEGIN_MESSAGE => (Mechanism::InlinePgpEncrypted, END_MESSAGE),
        BEGIN_SIGNED => {
            // The signed text is dash-escaped (RFC 4880 §7.1), so the first
            // line that is the signature's armor header starts the signature.
            lines.by_ref().find(|line| *line == BEGIN_SIGNATURE)?;
            (Mechanism::InlinePgpSigned, END_SIGNATURE)
        }
        _ => return None,
    };
    let mut in_headers = true;
    for line in lines.by_ref() {
        if line == end {
            // The first matching END must end the text.
            return lines.next().is_none().then_some(mechanism);
        }
        if line.is_empty() {
            in_headers = false;
        } else if !(in_headers && is_armor_header(line) || is_radix64(line)) {
            return None;
        }
    }
    None
}

/// `Key: value` (RFC 4880 §6.2 armor header).
fn is_armor_header(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(key, _)| {
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// A line of radix-64 data or the `=XXXX` checksum (RFC 4880 §6.3, §6.2).
fn is_radix64(line: &str) -> bool {
    line.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The offset of an armor header line that starts a line (RFC 4880 §6.2).
fn find_armor(text: &str, header: &str) -> Option<usize> {
    text.match_indices(header)
        .map(|(at, _)| at)
        .find(|at| *at == 0 || text.as_bytes()[at - 1] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_paths_are_written_like_imap_sections() {
        assert_eq!(PartPath::default().to_string(), "0");
        assert_eq!(PartPath(vec![1, 2]).to_string(), "1.2");
    }

    // RFC 5652 §3 content types, RFC 5083 authEnveloped-data
    #[test]
    fn cms_content_type_from_the_oid() {
        let enveloped = [
            0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03,
        ];
        assert_eq!(cms_content_type(&enveloped), Some(Mechanism::SmimeEncrypted));
        let mut signed = enveloped;
        signed[12] = 0x02;
        assert_eq!(cms_content_type(&signed), Some(Mechanism::SmimeSigned));
        assert_eq!(cms_content_type(b"garbage"), None);
        assert_eq!(cms_content_type(b""), None);
    }

    // RFC 4880 §6.2: armor header lines start a line
    #[test]
    fn inline_pgp_needs_the_armor_at_a_line_start() {
        assert_eq!(
            inline_pgp("-----BEGIN PGP MESSAGE-----\n\nabc\n-----END PGP MESSAGE-----\n"),
            Some((Mechanism::InlinePgpEncrypted, true))
        );
        assert_eq!(
            inline_pgp("Hallo\n-----BEGIN PGP MESSAGE-----\n-----END PGP MESSAGE-----"),
            Some((Mechanism::InlinePgpEncrypted, false))
        );
        assert_eq!(inline_pgp("quoted: -----BEGIN PGP MESSAGE-----"), None);
    }

    const BLOCK: &str = "-----BEGIN PGP MESSAGE-----\r\nVersion: test\r\n\r\nhQEMA7pR\r\n=Qm5k\r\n-----END PGP MESSAGE-----\r\n";
    const SIGNATURE: &str =
        "-----BEGIN PGP SIGNATURE-----\r\n\r\niHUEARYK\r\n=tY3r\r\n-----END PGP SIGNATURE-----\r\n";

    // RFC 4880 §6.2: "whole" only when the text is exactly one armored block
    #[test]
    fn inline_pgp_is_whole_only_for_exactly_one_armored_block() {
        let encrypted = Some((Mechanism::InlinePgpEncrypted, true));
        let parts = Some((Mechanism::InlinePgpEncrypted, false));
        assert_eq!(inline_pgp(BLOCK), encrypted);
        assert_eq!(inline_pgp(&format!("\r\n  {BLOCK}\r\n\r\n")), encrypted);
        let plaintext = "Mein Passwort ist geheim123\r\n";
        assert_eq!(inline_pgp(&format!("{BLOCK}{plaintext}{BLOCK}")), parts);
        assert_eq!(inline_pgp(&format!("{BLOCK}{plaintext}{SIGNATURE}")), parts);
        assert_eq!(inline_pgp(&format!("{BLOCK}{plaintext}")), parts);
        assert_eq!(inline_pgp(&format!("{BLOCK}{BLOCK}")), parts);
        // Readable text inside the armor is not radix-64 data.
        let hidden = BLOCK.replace("hQEMA7pR", "Mein Passwort ist geheim123");
        assert_eq!(inline_pgp(&hidden), parts);
        // An END of the other type does not close the block.
        let wrong_end = BLOCK.replace("END PGP MESSAGE", "END PGP SIGNATURE");
        assert_eq!(inline_pgp(&wrong_end), parts);
    }

    // RFC 4880 §7: a cleartext signature is one signed block
    #[test]
    fn inline_pgp_cleartext_signature_is_one_signed_block() {
        let signed = format!(
            "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nText.\r\n- -----BEGIN PGP SIGNATURE-----\r\n{SIGNATURE}"
        );
        assert_eq!(inline_pgp(&signed), Some((Mechanism::InlinePgpSigned, true)));
        let trailing = format!("{signed}Mein Passwort ist geheim123\r\n");
        assert_eq!(inline_pgp(&trailing), Some((Mechanism::InlinePgpSigned, false)));
        let no_signature = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nText.\r\n";
        assert_eq!(
            inline_pgp(no_signature),
            Some((Mechanism::InlinePgpSigned, false))
        );
        let two = format!("{signed}{signed}");
        assert_eq!(inline_pgp(&two), Some((Mechanism::InlinePgpSigned, false)));
    }
}
