//! The ident confirmation as a SAML 2.0 assertion (ID IO §2.6, SAML core
//! §2.3.3): writing, strict reading, signing (SAML core §5.4) and verifying.

use quick_xml::events::BytesStart;
use ring::rand::{SecureRandom, SystemRandom};

use crate::certificate::Certificate;
use crate::crypto::SigningKey;
use crate::verify::VerifyOptions;
use crate::xml::{Step, XmlDateTime, XmlError, XmlLimits, XmlReader, push_escaped};
use crate::xmldsig::{SignOptions, XmlDsigError, XmlSignatureReport};

use super::card::{CardError, CardField, CardType, IDENT_NS, IdentCard};

/// The SAML 2.0 assertion namespace.
pub const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The XML Schema instance namespace (`xsi:type`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The `emailAddress` name identifier format (SAML core §8.3.2), which ID
/// IO §2.6 prescribes for Issuer and NameID (its `nameidformat` is a typo, D73).
pub const EMAIL_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// An ident confirmation assertion (Ident-Bestätigung, ID IO §2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentAssertion {
    /// `ID`: random and unique per DMDA ([`IdentAssertion::random_id`]).
    pub id: String,
    /// `IssueInstant`: when the confirmation was issued.
    pub issue_instant: XmlDateTime,
    /// `Issuer` (emailAddress format): the issuing DMDA's De-Mail address.
    pub issuer: String,
    /// `Subject/NameID` (emailAddress format): the orderer's (primary or
    /// pseudonym) De-Mail address, the holder of the card.
    pub subject: String,
    /// `Conditions/AudienceRestriction/Audience`: the receiving service provider.
    pub audience: String,
    /// `AuthnStatement/@AuthnInstant`: the orderer's last authentication
    /// at the issuing portal.
    pub authn_instant: XmlDateTime,
    /// The one `AuthnContextClassRef` (SAML core §3.4, authn context §3.4).
    pub authn_context: String,
    /// The card of `Attribute Name="Card"`.
    pub card: IdentCard,
}

/// Why an assertion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssertionError {
    /// Not well-formed, or beyond the reader's limits, or the wrong element.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The card breaks the card schema (ID IO §2.7) or its prose rules.
    #[error("the ident card at byte {offset}: {source}")]
    Card {
        /// The card element's offset.
        offset: usize,
        /// The rule it breaks.
        #[source]
        source: CardError,
    },
    /// A rule of ID IO §2.6 or the SAML schema is broken.
    #[error("<{element}> at byte {offset}: found `{found}`, breaks {rule}")]
    Rule {
        /// The element.
        element: &'static str,
        /// What was found (at most 64 characters).
        found: String,
        /// The rule and its section.
        rule: &'static str,
        /// Where.
        offset: usize,
    },
    /// The assertion has no `ds:Signature` (ID IO §2.6: there must be one).
    #[error("the assertion has no ds:Signature (ID IO §2.6)")]
    Unsigned,
    /// The signature could not be checked (structure, reference, algorithms).
    #[error("the assertion signature: {0}")]
    Signature(#[source] XmlDsigError),
    /// The signature does not reference the assertion by its ID (SAML core §5.4.2).
    #[error("the signature references `{found}`, not the assertion `#{id}` (SAML core §5.4.2)")]
    Reference {
        /// The assertion's ID.
        id: String,
        /// The `Reference/@URI`.
        found: String,
    },
    /// The signed content differs from the assertion the document shows.
    #[error("the signed content is not the assertion read from the document (signature wrapping)")]
    Wrapped,
    /// Random bytes for the ID could not be drawn.
    #[error("the system random generator failed")]
    Random,
}

/// A verified assertion: what was signed, and the signature report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedAssertion {
    /// The assertion, read from the signed content.
    pub assertion: IdentAssertion,
    /// The XML signature report (digest, signature, certificate, trust).
    pub report: XmlSignatureReport,
}

impl IdentAssertion {
    /// A fresh `ID`: `_` and 32 hex digits of 128 random bits from the
    /// system CSPRNG (ring `SystemRandom`); an `xs:ID` (NCName).
    ///
    /// # Errors
    /// [`AssertionError::Random`] when the generator fails.
    pub fn random_id() -> Result<String, AssertionError> {
        let mut bytes = [0u8; 16];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| AssertionError::Random)?;
        let mut id = String::with_capacity(33);
        id.push('_');
        for b in bytes {
            id.push_str(&format!("{b:02x}"));
        }
        Ok(id)
    }

    /// The unsigned assertion, in the element order of the SAML schema.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut out = String::with_capacity(2048);
        out.push_str("<saml:Assertion xmlns:saml=\"");
        out.push_str(SAML_NS);
        out.push_str("\" xmlns:xsi=\"");
        out.push_str(XSI_NS);
        out.push_str("\" xmlns:de-mail=\"");
        out.push_str(IDENT_NS);
        out.push_str("\" Version=\"2.0\" ID=\"");
        push_escaped(&mut out, &self.id);
        out.push_str("\" IssueInstant=\"");
        out.push_str(&self.issue_instant.to_string());
        out.push_str("\">");
        out.push_str("<saml:Issuer Format=\"");
        out.push_str(EMAIL_FORMAT);
        out.push_str("\">");
        push_escaped(&mut out, &self.issuer);
        out.push_str("</saml:Issuer><saml:Subject><saml:NameID Format=\"");
        out.push_str(EMAIL_FORMAT);
        out.push_str("\">");
        push_escaped(&mut out, &self.subject);
        out.push_str("</saml:NameID></saml:Subject>");
        out.push_str("<saml:Conditions><saml:AudienceRestriction><saml:Audience>");
        push_escaped(&mut out, &self.audience);
        out.push_str("</saml:Audience></saml:AudienceRestriction></saml:Conditions>");
        out.push_str("<saml:AuthnStatement AuthnInstant=\"");
        out.push_str(&self.authn_instant.to_string());
        out.push_str("\"><saml:AuthnContext><saml:AuthnContextClassRef>");
        push_escaped(&mut out, &self.authn_context);
        out.push_str("</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>");
        out.push_str("<saml:AttributeStatement><saml:Attribute Name=\"Card\">");
        out.push_str("<saml:AttributeValue xsi:type=\"de-mail:Identcard\">");
        out.push_str(&self.card.to_xml());
        out.push_str("</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>");
        out.push_str("</saml:Assertion>");
        out.into_bytes()
    }

    /// The assertion signed per SAML core §5.4 and ID IO §2.6: `Reference
    /// URI="#ID"`, enveloped-signature and C14N 1.0 transforms, the
    /// certificate in `KeyInfo`, the `ds:Signature` right after `Issuer`.
    ///
    /// # Errors
    /// As [`crate::xmldsig::sign_enveloped`].
    pub fn sign(&self, key: &SigningKey, certificate: &Certificate) -> Result<Vec<u8>, XmlDsigError> {
        let options = SignOptions::new(key, certificate)
            .reference_id(self.id.clone())
            .insert_after(SAML_NS, "Issuer");
        crate::xmldsig::sign_enveloped(&self.to_xml(), &options)
    }

    /// Reads an assertion strictly: the elements of ID IO §2.6 in schema
    /// order and nothing else, an optional `ds:Signature` after `Issuer`
    /// (skipped; [`verify_assertion`] checks it), the card per §2.7.
    ///
    /// # Errors
    /// [`AssertionError`] naming the element and rule.
    pub fn parse(xml: &[u8]) -> Result<Self, AssertionError> {
        Ok(read(xml)?.0)
    }
}

/// Verifies a signed assertion: the signature (digest, value, certificate,
/// trust with `options`), that it references the assertion's own ID, and
/// that the signed content is the assertion the document shows; the
/// returned assertion is read from the signed content (no wrapping).
/// Whether the signature passed is [`XmlSignatureReport::passed`].
///
/// # Errors
/// [`AssertionError`] when the assertion is malformed, unsigned, its
/// signature cannot be checked or does not cover it.
pub fn verify_assertion(
    xml: &[u8],
    options: &VerifyOptions<'_>,
) -> Result<VerifiedAssertion, AssertionError> {
    let (shown, signed) = read(xml)?;
    if !signed {
        return Err(AssertionError::Unsigned);
    }
    let report = crate::xmldsig::verify(xml, options).map_err(AssertionError::Signature)?;
    let expected = format!("#{}", shown.id);
    if report.reference_uri != expected {
        return Err(AssertionError::Reference {
            id: shown.id,
            found: report.reference_uri.clone(),
        });
    }
    let assertion = IdentAssertion::parse(report.signed_content())?;
    if assertion != shown {
        return Err(AssertionError::Wrapped);
    }
    Ok(VerifiedAssertion { assertion, report })
}

// ---- reading: a few small functions over the crate's XML reader ----

type Start<'i> = (usize, BytesStart<'i>, bool);
/// Attributes as `(qualified name, value)`.
type Attributes = Vec<(String, String)>;

fn rule(element: &'static str, found: &str, rule: &'static str, offset: usize) -> AssertionError {
    AssertionError::Rule {
        element,
        found: found.chars().take(64).collect(),
        rule,
        offset,
    }
}

/// The next element, which must be `{namespace}local`.
fn expect_start<'i>(
    reader: &mut XmlReader<'i>,
    namespace: &str,
    local: &'static str,
    parent: &str,
) -> Result<Start<'i>, AssertionError> {
    match reader.next_structural()? {
        Step::Start {
            name,
            offset,
            tag,
            empty,
            ..
        } if name.namespace == namespace && name.local == local => Ok((offset, tag, empty)),
        Step::Start { name, offset, .. } => Err(XmlError::UnexpectedElement {
            found: name.to_string(),
            parent: parent.to_owned(),
            expected: local,
            offset,
        }
        .into()),
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            Err(XmlError::MissingElement {
                missing: local,
                parent: parent.to_owned(),
                offset,
            }
            .into())
        }
    }
}

/// The attributes of a start tag that are not namespace declarations,
/// `(qualified name, normalized value)`; any name not in `allowed` is refused.
fn attributes(
    tag: &BytesStart<'_>,
    element: &str,
    offset: usize,
    allowed: &[&str],
) -> Result<Vec<(String, String)>, AssertionError> {
    let mut out = Vec::new();
    for attribute in tag.attributes() {
        let attribute = attribute.map_err(|e| XmlError::Syntax {
            element: element.to_owned(),
            offset,
            message: e.to_string(),
        })?;
        let key = attribute.key.as_ref().to_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        if !allowed.contains(&key.as_str()) {
            return Err(XmlError::UnexpectedAttribute {
                element: element.to_owned(),
                attribute: key,
                offset,
            }
            .into());
        }
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::Syntax {
                element: element.to_owned(),
                offset,
                message: e.to_string(),
            })?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

fn required<'a>(
    attributes: &'a [(String, String)],
    name: &str,
    element: &'static str,
    offset: usize,
) -> Result<&'a str, AssertionError> {
    attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| {
            rule(
                element,
                "",
                "SAML core §2 (a required attribute is missing)",
                offset,
            )
        })
}

/// A simple element `{namespace}local` with text only; returns the text.
fn text_element(
    reader: &mut XmlReader<'_>,
    namespace: &str,
    local: &'static str,
    parent: &str,
    allowed: &[&str],
) -> Result<(String, Attributes, usize), AssertionError> {
    let (offset, tag, empty) = expect_start(reader, namespace, local, parent)?;
    let attributes = attributes(&tag, local, offset, allowed)?;
    let text = reader.text_content(local, empty)?;
    Ok((text, attributes, offset))
}

fn end(reader: &mut XmlReader<'_>, element: &str, expected: &'static str) -> Result<(), AssertionError> {
    Ok(crate::xml::expect_end(reader, element, expected)?)
}

fn date_time(element: &'static str, value: &str, offset: usize) -> Result<XmlDateTime, AssertionError> {
    Ok(crate::xml::date_time(element, value, offset)?)
}

/// Reads the whole assertion; also says whether it had a `ds:Signature`.
fn read(xml: &[u8]) -> Result<(IdentAssertion, bool), AssertionError> {
    let mut reader = XmlReader::new(xml, XmlLimits::default())?;
    let (offset, tag, _) = expect_start(&mut reader, SAML_NS, "Assertion", "document")?;
    let root = attributes(&tag, "Assertion", offset, &["Version", "ID", "IssueInstant"])?;
    let version = required(&root, "Version", "Assertion", offset)?;
    if version != "2.0" {
        return Err(rule(
            "Assertion",
            version,
            "ID IO §2.6 (Version is fixed to 2.0)",
            offset,
        ));
    }
    let id = required(&root, "ID", "Assertion", offset)?.to_owned();
    if !is_ncname(&id) {
        return Err(rule(
            "Assertion",
            &id,
            "SAML core §1.3.4 (ID is an xs:ID)",
            offset,
        ));
    }
    let issue_instant = date_time(
        "IssueInstant",
        required(&root, "IssueInstant", "Assertion", offset)?,
        offset,
    )?;

    let (issuer, attrs, at) = text_element(&mut reader, SAML_NS, "Issuer", "Assertion", &["Format"])?;
    email_format(&attrs, "Issuer", at)?;

    let mut signed = false;
    let subject_start = match reader.next_structural()? {
        Step::Start { name, offset, .. } if name.namespace == DSIG_NS && name.local == "Signature" => {
            reader.skip_element(offset, reader.limits().max_signature_elements, "Signature")?;
            signed = true;
            None
        }
        Step::Start {
            name,
            offset,
            tag,
            empty,
            ..
        } if name.namespace == SAML_NS && name.local == "Subject" => Some((offset, tag, empty)),
        Step::Start { name, offset, .. } => {
            return Err(XmlError::UnexpectedElement {
                found: name.to_string(),
                parent: "Assertion".into(),
                expected: "Signature or Subject",
                offset,
            }
            .into());
        }
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            return Err(XmlError::MissingElement {
                missing: "Subject",
                parent: "Assertion".into(),
                offset,
            }
            .into());
        }
    };
    let (offset, tag, empty) = match subject_start {
        Some(start) => start,
        None => expect_start(&mut reader, SAML_NS, "Subject", "Assertion")?,
    };
    attributes(&tag, "Subject", offset, &[])?;
    if empty {
        return Err(XmlError::MissingElement {
            missing: "NameID",
            parent: "Subject".into(),
            offset,
        }
        .into());
    }
    let (subject, attrs, at) = text_element(&mut reader, SAML_NS, "NameID", "Subject", &["Format"])?;
    email_format(&attrs, "NameID", at)?;
    end(
        &mut reader,
        "Subject",
        "the end of Subject (ID IO §2.6: only NameID)",
    )?;

    let audience = conditions(&mut reader)?;
    let (authn_instant, authn_context) = authn_statement(&mut reader)?;
    let card = attribute_statement(&mut reader)?;
    end(
        &mut reader,
        "Assertion",
        "the end of Assertion (ID IO §2.6: no other elements)",
    )?;
    reader.finish()?;
    Ok((
        IdentAssertion {
            id,
            issue_instant,
            issuer,
            subject,
            audience,
            authn_instant,
            authn_context,
            card,
        },
        signed,
    ))
}

fn email_format(
    attributes: &[(String, String)],
    element: &'static str,
    offset: usize,
) -> Result<(), AssertionError> {
    let format = required(attributes, "Format", element, offset)?;
    if format != EMAIL_FORMAT {
        return Err(rule(
            element,
            format,
            "ID IO §2.6 (Format is the emailAddress format)",
            offset,
        ));
    }
    Ok(())
}

/// `Conditions` with exactly one `AudienceRestriction` with one `Audience` (D74).
fn conditions(reader: &mut XmlReader<'_>) -> Result<String, AssertionError> {
    let (offset, tag, _) = expect_start(reader, SAML_NS, "Conditions", "Assertion")?;
    attributes(&tag, "Conditions", offset, &[])?;
    let (offset, tag, _) = expect_start(reader, SAML_NS, "AudienceRestriction", "Conditions")?;
    attributes(&tag, "AudienceRestriction", offset, &[])?;
    let (audience, _, _) = text_element(reader, SAML_NS, "Audience", "AudienceRestriction", &[])?;
    end(
        reader,
        "AudienceRestriction",
        "the end of AudienceRestriction (ID IO §2.6: one Audience)",
    )?;
    end(
        reader,
        "Conditions",
        "the end of Conditions (ID IO §2.6: exactly one AudienceRestriction)",
    )?;
    Ok(audience)
}

fn authn_statement(reader: &mut XmlReader<'_>) -> Result<(XmlDateTime, String), AssertionError> {
    let (offset, tag, _) = expect_start(reader, SAML_NS, "AuthnStatement", "Assertion")?;
    let attrs = attributes(&tag, "AuthnStatement", offset, &["AuthnInstant"])?;
    let instant = date_time(
        "AuthnInstant",
        required(&attrs, "AuthnInstant", "AuthnStatement", offset)?,
        offset,
    )?;
    let (offset, tag, _) = expect_start(reader, SAML_NS, "AuthnContext", "AuthnStatement")?;
    attributes(&tag, "AuthnContext", offset, &[])?;
    let (class, _, at) = text_element(reader, SAML_NS, "AuthnContextClassRef", "AuthnContext", &[])?;
    if !crate::xml::has_scheme(class.trim()) {
        return Err(rule(
            "AuthnContextClassRef",
            &class,
            "ID IO §2.6 (a URI naming the method, SAML core §3.4)",
            at,
        ));
    }
    end(
        reader,
        "AuthnContext",
        "the end of AuthnContext (ID IO §2.6: exactly one AuthnContextClassRef)",
    )?;
    end(reader, "AuthnStatement", "the end of AuthnStatement")?;
    Ok((instant, class))
}

fn attribute_statement(reader: &mut XmlReader<'_>) -> Result<IdentCard, AssertionError> {
    let (offset, tag, _) = expect_start(reader, SAML_NS, "AttributeStatement", "Assertion")?;
    attributes(&tag, "AttributeStatement", offset, &[])?;
    let (offset, tag, _) = expect_start(reader, SAML_NS, "Attribute", "AttributeStatement")?;
    let attrs = attributes(&tag, "Attribute", offset, &["Name"])?;
    let name = required(&attrs, "Name", "Attribute", offset)?;
    if name != "Card" {
        return Err(rule(
            "Attribute",
            name,
            "ID IO §2.6 (Attribute Name=\"Card\")",
            offset,
        ));
    }
    let (offset, tag, _) = expect_start(reader, SAML_NS, "AttributeValue", "Attribute")?;
    let attrs = attributes(&tag, "AttributeValue", offset, &["xsi:type"])?;
    // The attribute's prefix and the QName value both resolve in scope.
    let typed = attrs
        .iter()
        .find(|(k, _)| reader.resolve_qname(k, true) == (XSI_NS.to_owned(), "type".to_owned()));
    let value_type = typed.map(|(_, v)| reader.resolve_qname(v.trim(), false));
    if value_type != Some((IDENT_NS.to_owned(), "Identcard".to_owned())) {
        let found = typed.map(|(_, v)| v.as_str()).unwrap_or("");
        return Err(rule(
            "AttributeValue",
            found,
            "ID IO §2.6 (xsi:type=\"de-mail:Identcard\")",
            offset,
        ));
    }
    let card = card(reader)?;
    end(reader, "AttributeValue", "the end of AttributeValue (one card)")?;
    end(reader, "Attribute", "the end of Attribute (one AttributeValue)")?;
    end(
        reader,
        "AttributeStatement",
        "the end of AttributeStatement (one Attribute)",
    )?;
    Ok(card)
}

/// The card element of the `Identcard` choice and its leaves (ID IO §2.7).
fn card(reader: &mut XmlReader<'_>) -> Result<IdentCard, AssertionError> {
    let (card_type, offset) = match reader.next_structural()? {
        Step::Start {
            name, offset, tag, ..
        } if name.namespace == IDENT_NS => {
            let card_type =
                CardType::from_element(&name.local).ok_or_else(|| XmlError::UnexpectedElement {
                    found: name.to_string(),
                    parent: "AttributeValue".into(),
                    expected: "a card of the Identcard choice (ID IO §2.7)",
                    offset,
                })?;
            attributes(&tag, card_type.element(), offset, &[])?;
            (card_type, offset)
        }
        Step::Start { name, offset, .. } => {
            return Err(XmlError::UnexpectedElement {
                found: name.to_string(),
                parent: "AttributeValue".into(),
                expected: "a card of the Identcard choice (ID IO §2.7)",
                offset,
            }
            .into());
        }
        Step::End { end: offset } | Step::Eof { offset } | Step::Text { offset, .. } => {
            return Err(XmlError::MissingElement {
                missing: "Identcard",
                parent: "AttributeValue".into(),
                offset,
            }
            .into());
        }
    };
    let mut fields = Vec::new();
    loop {
        match reader.next_structural()? {
            Step::Start {
                name,
                offset,
                tag,
                empty,
                ..
            } if name.namespace == IDENT_NS => {
                if fields.len() >= 64 {
                    return Err(XmlError::TooManyElements {
                        element: "Identcard",
                        limit: 64,
                        offset,
                    }
                    .into());
                }
                let attrs = attributes(&tag, "card field", offset, &["validationTime"])?;
                let time = attrs.first().map(|(_, v)| v.as_str());
                let Some(time) = time else {
                    return Err(rule(
                        "card field",
                        &name.local,
                        "ID IO §2.2 (every leaf carries validationTime)",
                        offset,
                    ));
                };
                let validation_time = date_time("validationTime", time, offset)?;
                let value = reader.text_content(&name.local, empty)?;
                fields.push(CardField {
                    name: name.local,
                    value,
                    validation_time,
                });
            }
            Step::Start { name, offset, .. } => {
                return Err(XmlError::UnexpectedElement {
                    found: name.to_string(),
                    parent: card_type.element().into(),
                    expected: "a card field (ID IO §2.7)",
                    offset,
                }
                .into());
            }
            Step::End { .. } => break,
            Step::Eof { offset } | Step::Text { offset, .. } => {
                return Err(XmlError::Syntax {
                    element: card_type.element().into(),
                    offset,
                    message: "unexpected end of input".into(),
                }
                .into());
            }
        }
    }
    IdentCard::new(card_type, fields).map_err(|source| AssertionError::Card { offset, source })
}

fn is_ncname(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
