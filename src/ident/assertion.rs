//! The ident confirmation as a SAML 2.0 assertion (ID IO §2.6, SAML core
//! §2.3.3): writing, strict reading, signing (SAML core §5.4) and verifying.

use ring::rand::{SecureRandom, SystemRandom};

use crate::certificate::Certificate;
use crate::crypto::SigningKey;
use crate::fields::{DateFormat, DateTime, DateTimeError};
use crate::trust::VerifyOptions;
use crate::xml::pull::{Document, Item, end_of_input, unexpected};
use crate::xml::reader::{Element, decode};
use crate::xml::{XmlError, XmlLimits, has_scheme, is_ncname, push_escaped, read_date_time};
use crate::xmldsig::{XmlDsigError, XmlSignOptions, XmlSignatureReport};

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
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IdentAssertion {
    /// `ID`: random and unique per DMDA ([`IdentAssertion::random_id`]).
    pub id: String,
    /// `IssueInstant`: when the confirmation was issued.
    pub issue_instant: DateTime,
    /// `Issuer` (emailAddress format): the issuing DMDA's De-Mail address.
    pub issuer: String,
    /// `Subject/NameID` (emailAddress format): the orderer's (primary or
    /// pseudonym) De-Mail address, the holder of the card.
    pub subject: String,
    /// `Conditions/AudienceRestriction/Audience`: the receiving service provider.
    pub audience: String,
    /// `AuthnStatement/@AuthnInstant`: the orderer's last authentication
    /// at the issuing portal.
    pub authn_instant: DateTime,
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
        out.push_str(&self.issue_instant.to_rfc3339());
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
        out.push_str(&self.authn_instant.to_rfc3339());
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
        let options = XmlSignOptions::new(key, certificate)
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

// ---- reading: a few small functions over the crate's one XML reader ----

/// Attributes as `(name, value)`: the local name of an unqualified
/// attribute, `xsi:type` for the XML Schema instance type.
type Attributes = Vec<(String, String)>;

fn rule(element: &'static str, found: &str, rule: &'static str, offset: usize) -> AssertionError {
    AssertionError::Rule {
        element,
        found: found.chars().take(64).collect(),
        rule,
        offset,
    }
}

/// The attributes of a start tag (namespace declarations are not
/// attributes here), `(name, normalized value)`; an unqualified attribute
/// not in `allowed`, and any qualified one but `xsi:type` where `allowed`
/// names it, is refused.
fn attributes(element: &Element<'_>, name: &str, allowed: &[&str]) -> Result<Attributes, AssertionError> {
    let mut out = Vec::new();
    for attribute in &element.attributes {
        let key = if attribute.namespace.is_empty() {
            attribute.local
        } else if attribute.namespace == XSI_NS && attribute.local == "type" {
            "xsi:type"
        } else {
            attribute.qname
        };
        if !allowed.contains(&key) {
            return Err(XmlError::UnexpectedAttribute {
                element: name.to_owned(),
                attribute: attribute.qname.to_owned(),
                offset: element.offset,
            }
            .into());
        }
        out.push((key.to_owned(), attribute.value.clone().into_owned()));
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

/// The start of `{SAML_NS}local`, the next child of `parent`, with the
/// attributes `allowed`.
fn start<'a>(
    doc: &mut Document<'a>,
    local: &'static str,
    parent: &str,
    allowed: &[&str],
) -> Result<(Element<'a>, Attributes), AssertionError> {
    let element = doc.expect_element(parent, SAML_NS, local)?;
    let attributes = attributes(&element, local, allowed)?;
    Ok((element, attributes))
}

/// A simple SAML element with text only: its text, attributes and offset.
fn text_element(
    doc: &mut Document<'_>,
    local: &'static str,
    parent: &str,
    allowed: &[&str],
) -> Result<(String, Attributes, usize), AssertionError> {
    let (element, attributes) = start(doc, local, parent, allowed)?;
    let text = doc.text_content(&element)?;
    Ok((text, attributes, element.offset))
}

fn end(doc: &mut Document<'_>, element: &str, expected: &'static str) -> Result<(), AssertionError> {
    Ok(doc.expect_end(element, expected)?)
}

/// An `xs:dateTime` with its time zone (SAML core §1.3.3: UTC; D30: a
/// value without time zone is ambiguous and refused).
fn date_time(element: &'static str, value: &str, offset: usize) -> Result<DateTime, AssertionError> {
    match read_date_time(element, value, offset)? {
        (time, true) => Ok(time),
        (_, false) => Err(XmlError::InvalidDateTime {
            element,
            value: value.chars().take(64).collect(),
            offset,
            cause: DateTimeError::NoTimeZone {
                format: DateFormat::XsDateTime,
            },
        }
        .into()),
    }
}

/// Reads the whole assertion; also says whether it had a `ds:Signature`.
fn read(xml: &[u8]) -> Result<(IdentAssertion, bool), AssertionError> {
    let limits = XmlLimits::default();
    let text = decode(xml, &limits)?;
    let mut doc = Document::new(&text, limits);
    let (root, attrs) = start(
        &mut doc,
        "Assertion",
        "document",
        &["Version", "ID", "IssueInstant"],
    )?;
    let offset = root.offset;
    let version = required(&attrs, "Version", "Assertion", offset)?;
    if version != "2.0" {
        return Err(rule(
            "Assertion",
            version,
            "ID IO §2.6 (Version is fixed to 2.0)",
            offset,
        ));
    }
    let id = required(&attrs, "ID", "Assertion", offset)?.to_owned();
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
        required(&attrs, "IssueInstant", "Assertion", offset)?,
        offset,
    )?;

    let (issuer, attrs, at) = text_element(&mut doc, "Issuer", "Assertion", &["Format"])?;
    email_format(&attrs, "Issuer", at)?;

    let signed = match doc.optional(DSIG_NS, "Signature")? {
        Some(signature) => {
            let limit = doc.limits().max_signature_elements;
            doc.skip_element(&signature, limit, "Signature")?;
            true
        }
        None => false,
    };
    let (subject_start, _) = start(&mut doc, "Subject", "Assertion", &[])?;
    if subject_start.self_closing {
        return Err(XmlError::MissingElement {
            missing: "NameID",
            parent: "Subject".into(),
            offset: subject_start.offset,
        }
        .into());
    }
    let (subject, attrs, at) = text_element(&mut doc, "NameID", "Subject", &["Format"])?;
    email_format(&attrs, "NameID", at)?;
    end(
        &mut doc,
        "Subject",
        "the end of Subject (ID IO §2.6: only NameID)",
    )?;

    let audience = conditions(&mut doc)?;
    let (authn_instant, authn_context) = authn_statement(&mut doc)?;
    let card = attribute_statement(&mut doc)?;
    end(
        &mut doc,
        "Assertion",
        "the end of Assertion (ID IO §2.6: no other elements)",
    )?;
    doc.finish()?;
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
fn conditions(doc: &mut Document<'_>) -> Result<String, AssertionError> {
    start(doc, "Conditions", "Assertion", &[])?;
    start(doc, "AudienceRestriction", "Conditions", &[])?;
    let (audience, _, _) = text_element(doc, "Audience", "AudienceRestriction", &[])?;
    end(
        doc,
        "AudienceRestriction",
        "the end of AudienceRestriction (ID IO §2.6: one Audience)",
    )?;
    end(
        doc,
        "Conditions",
        "the end of Conditions (ID IO §2.6: exactly one AudienceRestriction)",
    )?;
    Ok(audience)
}

fn authn_statement(doc: &mut Document<'_>) -> Result<(DateTime, String), AssertionError> {
    let (element, attrs) = start(doc, "AuthnStatement", "Assertion", &["AuthnInstant"])?;
    let instant = date_time(
        "AuthnInstant",
        required(&attrs, "AuthnInstant", "AuthnStatement", element.offset)?,
        element.offset,
    )?;
    start(doc, "AuthnContext", "AuthnStatement", &[])?;
    let (class, _, at) = text_element(doc, "AuthnContextClassRef", "AuthnContext", &[])?;
    if !has_scheme(class.trim()) {
        return Err(rule(
            "AuthnContextClassRef",
            &class,
            "ID IO §2.6 (a URI naming the method, SAML core §3.4)",
            at,
        ));
    }
    end(
        doc,
        "AuthnContext",
        "the end of AuthnContext (ID IO §2.6: exactly one AuthnContextClassRef)",
    )?;
    end(doc, "AuthnStatement", "the end of AuthnStatement")?;
    Ok((instant, class))
}

fn attribute_statement(doc: &mut Document<'_>) -> Result<IdentCard, AssertionError> {
    start(doc, "AttributeStatement", "Assertion", &[])?;
    let (element, attrs) = start(doc, "Attribute", "AttributeStatement", &["Name"])?;
    let name = required(&attrs, "Name", "Attribute", element.offset)?;
    if name != "Card" {
        return Err(rule(
            "Attribute",
            name,
            "ID IO §2.6 (Attribute Name=\"Card\")",
            element.offset,
        ));
    }
    let (element, attrs) = start(doc, "AttributeValue", "Attribute", &["xsi:type"])?;
    // The QName value resolves in the scope of AttributeValue.
    let typed = attrs
        .iter()
        .find(|(k, _)| k == "xsi:type")
        .map(|(_, v)| v.as_str());
    let value_type = typed.and_then(|v| doc.resolve_qname(v.trim()));
    if value_type != Some((IDENT_NS.to_owned(), "Identcard")) {
        return Err(rule(
            "AttributeValue",
            typed.unwrap_or(""),
            "ID IO §2.6 (xsi:type=\"de-mail:Identcard\")",
            element.offset,
        ));
    }
    let card = card(doc)?;
    end(doc, "AttributeValue", "the end of AttributeValue (one card)")?;
    end(doc, "Attribute", "the end of Attribute (one AttributeValue)")?;
    end(
        doc,
        "AttributeStatement",
        "the end of AttributeStatement (one Attribute)",
    )?;
    Ok(card)
}

const CARD_CHOICE: &str = "a card of the Identcard choice (ID IO §2.7)";

/// The card element of the `Identcard` choice and its leaves (ID IO §2.7).
fn card(doc: &mut Document<'_>) -> Result<IdentCard, AssertionError> {
    let (card_type, offset) = match doc.next_structural()? {
        Item::Start(element) if element.namespace == IDENT_NS => {
            let card_type = CardType::from_element(element.local)
                .ok_or_else(|| unexpected(&element, "AttributeValue", CARD_CHOICE))?;
            attributes(&element, card_type.element(), &[])?;
            (card_type, element.offset)
        }
        Item::Start(element) => return Err(unexpected(&element, "AttributeValue", CARD_CHOICE).into()),
        Item::End { end: offset } | Item::Eof { offset } | Item::Text { offset, .. } => {
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
        match doc.next_structural()? {
            Item::Start(element) if element.namespace == IDENT_NS => {
                if fields.len() >= 64 {
                    return Err(XmlError::TooManyElements {
                        element: "Identcard",
                        limit: 64,
                        offset: element.offset,
                    }
                    .into());
                }
                let attrs = attributes(&element, "card field", &["validationTime"])?;
                let Some((_, time)) = attrs.first() else {
                    return Err(rule(
                        "card field",
                        element.local,
                        "ID IO §2.2 (every leaf carries validationTime)",
                        element.offset,
                    ));
                };
                let validation_time = date_time("validationTime", time, element.offset)?;
                let value = doc.text_content(&element)?;
                fields.push(CardField {
                    name: element.local.to_owned(),
                    value,
                    validation_time,
                });
            }
            Item::Start(element) => {
                return Err(unexpected(&element, card_type.element(), "a card field (ID IO §2.7)").into());
            }
            Item::End { .. } => break,
            Item::Eof { offset } | Item::Text { offset, .. } => {
                return Err(end_of_input(card_type.element(), offset).into());
            }
        }
    }
    IdentCard::new(card_type, fields).map_err(|source| AssertionError::Card { offset, source })
}
