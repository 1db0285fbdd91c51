//! The gateway stamp (Prüfvermerk): an `Authentication-Results` field
//! (RFC 8601) that tells a downstream mail system what a De-Mail gateway
//! checked.
//!
//! A gateway that connects De-Mail to an ordinary mail system (a city's
//! groupware, say) verifies `X-de-mail-integrity` (TR 01201-3.4 §3.1.21,
//! PVD FU Schritt 48) and looks for end-to-end protection (§2.1.3); its users
//! then see only the delivered mail. [`stamp`] writes the outcome on top of the
//! message, so their mail client can show it:
//!
//! ```text
//! Authentication-Results: gw.example.de;
//!  x-demail=fail reason="body_hash_mismatch"
//!  policy.fc=FC-01 policy.mode=signed
//!  policy.signer="CN=DMDA A, O=Example"
//!  policy.e2e-signed=none policy.e2e-encrypted=none (the provider can read the content)
//! ```
//!
//! The method is `x-demail`; its result is `pass`, `neutral` (valid
//! signature, signer not trusted), `fail` (a revoked certificate, FC-02,
//! among them), `temperror` (FC-03: the certificate status could not be
//! checked; try later), `permerror` (the
//! integrity field does not parse) or `none` (no integrity field). `reason`
//! is the failure's stable code ([`Failure::code`]), never text taken from the
//! message. Stamps of several hops stack, the newest on top (RFC 8601 §2.1);
//! a stamp that claims the gateway's own authserv-id is removed before the new
//! one is written, since only the gateway itself may write those (RFC 8601
//! §5, D140). The field is not among the signed fields (§3.1.21), so the
//! integrity value still verifies after stamping.
//!
//! ```
//! use demail::envelope::Envelope;
//! use demail::stamp::stamp;
//! use demail::integrity::verify;
//! use demail::trust::VerifyOptions;
//!
//! let raw = std::fs::read("tests/data/signed/normal-rsa3072.eml")?;
//! let envelope = Envelope::parse(&raw)?;
//! let report = verify(&envelope, &VerifyOptions::default());
//! let stamped = stamp(&envelope, "gw.example.de", &report, None)?;
//! assert!(stamped.starts_with(b"Authentication-Results: gw.example.de;\r\n x-demail="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use crate::envelope::Envelope;
use crate::integrity::{ErrorCase, Failure, IntegrityMode, Verdict, VerificationReport};
use crate::protection::Protection;
use crate::writer::{Edit, copy_fields_and_body};

/// The RFC 8601 method name of the De-Mail check.
pub const METHOD: &str = "x-demail";

/// The header field the stamp is written in (RFC 8601 §2.2).
pub const FIELD_NAME: &str = "Authentication-Results";

/// The longest signer name written (longer ones are cut; the field must stay
/// within RFC 5322's 998 octets per line).
const MAX_SIGNER_CHARS: usize = 200;

/// Why a stamp could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StampError {
    /// The authserv-id is not a domain name (RFC 8601 §2.5: it SHOULD be
    /// one; the crate requires it, so it can neither break the field nor be
    /// mistaken for another gateway's).
    #[error("the authserv-id {0:?} is not a domain name (RFC 8601 §2.5)")]
    AuthservId(String),
}

/// The message with the gateway's stamp on top: the verification outcome of
/// `report` and, when given, a summary of the end-to-end protection.
///
/// Earlier `Authentication-Results` fields with the same authserv-id are
/// removed (RFC 8601 §5, D140); those of other hops stay in place. Every
/// other byte of the message is kept.
pub fn stamp(
    envelope: &Envelope<'_>,
    authserv_id: &str,
    report: &VerificationReport,
    protection: Option<&Protection>,
) -> Result<Vec<u8>, StampError> {
    let field = authentication_results(authserv_id, report, protection)?;
    let mut out = Vec::with_capacity(field.len() + envelope.raw().len());
    out.extend_from_slice(field.as_bytes());
    copy_fields_and_body(
        &mut out,
        envelope.raw(),
        envelope.fields(),
        &mut |raw_field, _| {
            if is_own_stamp(raw_field.name, raw_field.value, authserv_id) {
                Edit::Drop
            } else {
                Edit::Keep
            }
        },
    );
    Ok(out)
}

/// The stamp as a whole header field, folded, with its CRLF line end.
pub fn authentication_results(
    authserv_id: &str,
    report: &VerificationReport,
    protection: Option<&Protection>,
) -> Result<String, StampError> {
    if !is_domain_name(authserv_id) {
        return Err(StampError::AuthservId(authserv_id.to_owned()));
    }
    let mut field = format!(
        "{FIELD_NAME}: {authserv_id};\r\n {METHOD}={}",
        result(&report.verdict)
    );
    if let Some(failure) = report.failure() {
        let _ = write!(
            field,
            " reason=\"{}\"\r\n policy.fc={}",
            failure.code(),
            failure.case().code()
        );
    }
    if let Some(mode) = report.mode {
        let mode = match mode {
            IntegrityMode::HashOnly => "hash-only",
            IntegrityMode::Signed => "signed",
        };
        let _ = write!(field, " policy.mode={mode}");
    }
    if let Some(certificate) = &report.certificate {
        let _ = write!(
            field,
            "\r\n policy.signer=\"{}\"",
            quoted_content(&certificate.subject)
        );
    }
    if let Some(protection) = protection {
        let readable = if protection.provider_can_read() {
            "the provider can read the content"
        } else {
            "encrypted end to end: the provider cannot read the content"
        };
        let _ = write!(
            field,
            "\r\n policy.e2e-signed={} policy.e2e-encrypted={} ({readable})",
            protection.signed.as_str(),
            protection.encrypted.as_str()
        );
    }
    field.push_str("\r\n");
    Ok(field)
}

/// The RFC 8601 result for a verdict.
fn result(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::SignatureValidUntrusted => "neutral",
        Verdict::Fail(Failure::MissingIntegrity) => "none",
        Verdict::Fail(Failure::Malformed(_)) => "permerror",
        // FC-03 (status unknown or unavailable) may pass on a later try;
        // a revoked certificate (FC-02) is a plain failure.
        Verdict::Fail(failure @ Failure::Status(_)) if failure.case() == ErrorCase::Fc03StatusUnchecked => {
            "temperror"
        }
        Verdict::Fail(_) => "fail",
    }
}

/// Whether a field is an `Authentication-Results` field with this
/// authserv-id (compared without case, RFC 8601 §2.5).
fn is_own_stamp(name: &str, value: &[u8], authserv_id: &str) -> bool {
    if !name.eq_ignore_ascii_case(FIELD_NAME) {
        return false;
    }
    let value = String::from_utf8_lossy(value);
    let id = value
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .split([';', ' ', '\t', '\r', '\n', '('])
        .next()
        .unwrap_or("");
    id.eq_ignore_ascii_case(authserv_id)
}

/// A domain name: dot-separated labels of letters, digits and hyphens
/// (RFC 5321 §4.1.2 `Domain`), at most 253 characters.
fn is_domain_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Text for inside a quoted-string (RFC 5322 §3.2.4): printable ASCII, `"`
/// and `\` escaped, anything else (controls, line ends, non-ASCII) as `?`,
/// cut to [`MAX_SIGNER_CHARS`].
fn quoted_content(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(MAX_SIGNER_CHARS) {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authserv_id_must_be_a_domain_name() {
        // RFC 8601 §2.5
        for bad in [
            "",
            "gw example",
            "gw;x",
            "-gw.de",
            "gw..de",
            "gw.de\r\nX: y",
            "gw\"de",
        ] {
            assert!(!is_domain_name(bad), "{bad:?}");
        }
        assert!(is_domain_name("gw-1.example.de"));
    }

    #[test]
    fn signer_text_cannot_break_out_of_the_quoted_string() {
        // RFC 5322 §3.2.4
        assert_eq!(
            quoted_content("CN=\"x\"\r\nBcc: a\\b ä"),
            "CN=\\\"x\\\"??Bcc: a\\\\b ?"
        );
        assert_eq!(quoted_content(&"x".repeat(500)).len(), MAX_SIGNER_CHARS);
    }

    #[test]
    fn rfc8601_2_7_revoked_is_fail_and_unchecked_status_is_temperror() {
        // PVD FU Schritt 48: FC-02 is a failure, FC-03 may pass on a later try.
        use crate::status::{CertificateStatus, Revocation, StatusSource};
        let revoked = CertificateStatus::Revoked {
            revocation: Revocation {
                time: std::time::UNIX_EPOCH,
                reason: None,
            },
            source: StatusSource::Crl { index: 0 },
        };
        assert_eq!(result(&Verdict::Fail(Failure::Status(revoked))), "fail");
        assert_eq!(
            result(&Verdict::Fail(Failure::Status(CertificateStatus::NotChecked))),
            "temperror"
        );
    }

    #[test]
    fn own_stamps_are_recognised_without_case() {
        // RFC 8601 §2.5, §5
        assert!(is_own_stamp(
            "authentication-results",
            b" GW.example.de; x-demail=pass\r\n",
            "gw.example.de"
        ));
        assert!(is_own_stamp(
            "Authentication-Results",
            b"\r\n gw.example.de (c); none\r\n",
            "gw.example.de"
        ));
        assert!(!is_own_stamp(
            "Authentication-Results",
            b" other.example.de; none\r\n",
            "gw.example.de"
        ));
        assert!(!is_own_stamp(
            "Authentication-Results",
            b" gw.example.de.evil; none\r\n",
            "gw.example.de"
        ));
        assert!(!is_own_stamp(
            "X-Authentication-Results",
            b" gw.example.de; none\r\n",
            "gw.example.de"
        ));
    }
}
