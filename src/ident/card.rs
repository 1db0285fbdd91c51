//! Ident cards (Ident-Karten, TR 01201 ID IO §2.2–2.5, XSD §2.7): the
//! seven card types of the `Identcard` choice, each a sequence of leaves in
//! schema order, every leaf with its `validationTime`.
//!
//! A card is a [`CardType`] and its [`CardField`]s; the schema of each type
//! is the static table [`CardType::schema`] (element name, value type and
//! length limit, multiplicity, German meaning), from which both reading and
//! writing work, so the XSD is declared once (D70).

use crate::fields::DateTime;
use crate::xml::push_escaped;

/// The namespace of the ident card schema (ID IO §2.7).
pub const IDENT_NS: &str = "http://www.de-mail.de/xml/2010/01/ident";

/// The card types of the `Identcard` choice (ID IO §2.7), in schema order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardType {
    /// `LegalPerson`: Identitätskarte einer Institution (§2.2.2).
    LegalPerson,
    /// `NaturalPerson`: Identitätskarte einer natürlichen Person (§2.2.1).
    NaturalPerson,
    /// `Address`: Adresskarte (§2.4).
    Address,
    /// `Age`: allgemeiner Altersnachweis (§2.3, Tabelle 4).
    Age,
    /// `AgeOver16`: Altersnachweis über 16 (§2.3, Tabelle 5).
    AgeOver16,
    /// `AgeOver18`: Altersnachweis über 18 (§2.3, Tabelle 6).
    AgeOver18,
    /// `DeMailAddress`: De-Mail-Adress-Karte (§2.5).
    DeMailAddress,
}

/// The value type of a leaf (ID IO §2.7 `CharNType`, `BooleanType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueType {
    /// `xs:string` with `maxLength` (in characters).
    Text {
        /// The `maxLength` facet.
        max_chars: usize,
    },
    /// `xs:boolean`.
    Boolean,
}

/// One element of a card's schema sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The element name (in [`IDENT_NS`]).
    pub name: &'static str,
    /// Its value type.
    pub value: ValueType,
    /// `minOccurs` (0 or 1).
    pub min: usize,
    /// `maxOccurs`; `usize::MAX` for `unbounded`.
    pub max: usize,
    /// Its meaning (Bedeutung), in German, as the tables of §2.2–2.5 give it.
    pub meaning: &'static str,
}

const fn text(name: &'static str, max_chars: usize, min: usize, meaning: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        value: ValueType::Text { max_chars },
        min,
        max: 1,
        meaning,
    }
}

const ADDRESS: FieldSpec = text("de-mail-address", 255, 1, "De-Mail-Adresse");

const LEGAL_PERSON: &[FieldSpec] = &[
    text("commonName", 60, 1, "Name der Institution"),
    text("street", 100, 0, "Straße und Hausnummer"),
    text("postOfficeBox", 10, 0, "Postfach"),
    text("locality", 100, 1, "Ort"),
    text("country", 2, 1, "Staat (nach DIN EN ISO 3166 ALPHA-2)"),
    text("legalForm", 60, 1, "Rechtsform"),
    FieldSpec {
        name: "authorisedRepresentative",
        value: ValueType::Text { max_chars: 255 },
        min: 1,
        max: usize::MAX,
        meaning: "Mitglied des Vertretungsorgans oder gesetzlicher Vertreter",
    },
    text("commercialRegisterType", 255, 0, "Art des Registereintrags"),
    text("commercialRegisterEntry", 255, 0, "Registereintrag"),
    text("commercialRegisterLocality", 255, 0, "Ort des Registers"),
    ADDRESS,
];

const NATURAL_PERSON: &[FieldSpec] = &[
    text("personalTitle", 40, 0, "Titel (akademischer Grad)"),
    text("surname", 120, 1, "Nachname"),
    text("givenname", 80, 1, "Vorname(n)"),
    text("pseudonym", 60, 0, "Künstler- oder Ordensname"),
    text("street", 100, 1, "Straße und Hausnummer"),
    text("locationOfBirth", 100, 1, "Geburtsort"),
    text("dateOfBirth", 10, 1, "Geburtsdatum (TT.MM.JJJJ)"),
    text("locality", 100, 1, "Wohnort"),
    text("country", 2, 1, "Staat (nach DIN EN ISO 3166 ALPHA-2)"),
    text("age", 10, 1, "Alter als Zahl"),
    ADDRESS,
];

const ADDRESS_CARD: &[FieldSpec] = &[
    text("personalTitle", 40, 0, "Titel (akademischer Grad)"),
    text("surname", 120, 1, "Nachname"),
    text("givenname", 80, 1, "Vorname(n)"),
    text("pseudonym", 60, 0, "Künstler- oder Ordensname"),
    text("street", 100, 1, "Straße"),
    text("locality", 100, 1, "Wohnort"),
    text("country", 2, 1, "Staat (nach DIN EN ISO 3166 ALPHA-2)"),
    ADDRESS,
];

const AGE: &[FieldSpec] = &[text("age", 10, 1, "Alter des Nutzers"), ADDRESS];

const fn over(name: &'static str, meaning: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        value: ValueType::Boolean,
        min: 1,
        max: 1,
        meaning,
    }
}

const AGE_OVER_16: &[FieldSpec] = &[
    over("over16", "Wahr, wenn der Nutzer älter als 16 Jahre ist"),
    ADDRESS,
];
const AGE_OVER_18: &[FieldSpec] = &[
    over("over18", "Wahr, wenn der Nutzer älter als 18 Jahre ist"),
    ADDRESS,
];
const DE_MAIL_ADDRESS: &[FieldSpec] = &[ADDRESS];

impl CardType {
    /// Every card type, in the order of the XSD choice.
    pub const ALL: [CardType; 7] = [
        CardType::LegalPerson,
        CardType::NaturalPerson,
        CardType::Address,
        CardType::Age,
        CardType::AgeOver16,
        CardType::AgeOver18,
        CardType::DeMailAddress,
    ];

    /// The element name in the XSD choice (`NaturalPerson`, ...).
    pub const fn element(self) -> &'static str {
        match self {
            CardType::LegalPerson => "LegalPerson",
            CardType::NaturalPerson => "NaturalPerson",
            CardType::Address => "Address",
            CardType::Age => "Age",
            CardType::AgeOver16 => "AgeOver16",
            CardType::AgeOver18 => "AgeOver18",
            CardType::DeMailAddress => "DeMailAddress",
        }
    }

    /// The card type of an element name.
    pub fn from_element(name: &str) -> Option<CardType> {
        CardType::ALL.into_iter().find(|t| t.element() == name)
    }

    /// The German name of the card (ID IO §2.2–2.5).
    pub const fn title(self) -> &'static str {
        match self {
            CardType::LegalPerson => "Identitätskarte einer Institution",
            CardType::NaturalPerson => "Identitätskarte einer natürlichen Person",
            CardType::Address => "Adresskarte",
            CardType::Age => "Altersnachweis",
            CardType::AgeOver16 => "Altersnachweis für Nutzer über 16 Jahre",
            CardType::AgeOver18 => "Altersnachweis für Nutzer über 18 Jahre",
            CardType::DeMailAddress => "De-Mail-Adress-Karte",
        }
    }

    /// The sequence of the card's elements (ID IO §2.7), in schema order.
    pub const fn schema(self) -> &'static [FieldSpec] {
        match self {
            CardType::LegalPerson => LEGAL_PERSON,
            CardType::NaturalPerson => NATURAL_PERSON,
            CardType::Address => ADDRESS_CARD,
            CardType::Age => AGE,
            CardType::AgeOver16 => AGE_OVER_16,
            CardType::AgeOver18 => AGE_OVER_18,
            CardType::DeMailAddress => DE_MAIL_ADDRESS,
        }
    }

    /// Whether the card names a person or a postal address, which a
    /// pseudonym holder may not choose (ID FU §3.2; D72).
    pub const fn discloses_identity(self) -> bool {
        matches!(
            self,
            CardType::LegalPerson | CardType::NaturalPerson | CardType::Address
        )
    }
}

crate::display::display_as!(CardType, element);

/// One leaf of a card: the element, its value, and the `validationTime`
/// (Validierungszeitpunkt) when the value was checked (ID IO §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CardField {
    /// The element name, one of the card type's [`FieldSpec::name`]s.
    pub name: String,
    /// The value as written (`true`/`false` for booleans).
    pub value: String,
    /// `validationTime` (`xs:dateTime`, required on every leaf).
    pub validation_time: DateTime,
}

impl CardField {
    /// A leaf.
    pub fn new(name: impl Into<String>, value: impl Into<String>, validation_time: DateTime) -> Self {
        CardField {
            name: name.into(),
            value: value.into(),
            validation_time,
        }
    }
}

/// An ident card (Ident-Karte): its type and its leaves in schema order,
/// checked against the XSD of ID IO §2.7 and the prose rules of §2.2–2.5.
///
/// ```
/// use demail::ident::{CardField, CardType, IdentCard};
/// use demail::fields::DateTime;
///
/// let checked = DateTime::parse_rfc3339("2026-11-20T10:00:00Z").unwrap();
/// let card = IdentCard::new(
///     CardType::AgeOver18,
///     vec![
///         CardField::new("over18", "true", checked),
///         CardField::new("de-mail-address", "max.mustermann@dmda.de-mail.de", checked),
///     ],
/// )?;
/// assert_eq!(card.get("over18"), Some("true"));
/// let xml = card.to_xml();
/// assert!(xml.starts_with("<de-mail:AgeOver18>"));
/// # Ok::<(), demail::ident::CardError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IdentCard {
    /// In JSON `type`, the element name (`NaturalPerson`), as the card
    /// files of `demail ident build` (D77).
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    card_type: CardType,
    fields: Vec<CardField>,
}

/// Why a card does not conform to ID IO §2.2–2.7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// An element the card type's sequence does not have, or not here
    /// (wrong order, too many).
    #[error("<{element}> is not allowed at position {position} of a {card} card (ID IO §2.7)")]
    UnexpectedField {
        /// The card type.
        card: CardType,
        /// The element.
        element: String,
        /// Its position (0-based) among the card's leaves.
        position: usize,
    },
    /// A required element is missing.
    #[error("a {card} card needs <{element}> (ID IO §2.7)")]
    MissingField {
        /// The card type.
        card: CardType,
        /// The missing element.
        element: &'static str,
    },
    /// A value longer than the `maxLength` of its type.
    #[error("<{element}> has {chars} characters, more than its maxLength {limit} (ID IO §2.7)")]
    TooLong {
        /// The element.
        element: &'static str,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// A value that breaks a rule of the lexical form or the prose (boolean,
    /// date of birth, country code, age, empty value).
    #[error("<{element}> value `{value}` breaks {rule}")]
    InvalidValue {
        /// The element.
        element: &'static str,
        /// The value (at most 64 characters of it).
        value: String,
        /// The rule, with its section.
        rule: &'static str,
    },
}

impl IdentCard {
    /// A card from its leaves, checked ([`IdentCard::check`]).
    ///
    /// # Errors
    /// The first [`CardError`].
    pub fn new(card_type: CardType, fields: Vec<CardField>) -> Result<Self, CardError> {
        let card = IdentCard { card_type, fields };
        card.check()?;
        Ok(card)
    }

    /// The card type.
    pub fn card_type(&self) -> CardType {
        self.card_type
    }

    /// The leaves, in schema order.
    pub fn fields(&self) -> &[CardField] {
        &self.fields
    }

    /// The value of the first leaf with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The `de-mail-address` of the card: the holder's address.
    pub fn de_mail_address(&self) -> &str {
        self.get("de-mail-address").unwrap_or("")
    }

    /// The schema entry of a leaf of this card.
    pub fn spec(&self, name: &str) -> Option<&'static FieldSpec> {
        self.card_type.schema().iter().find(|s| s.name == name)
    }

    /// Checks the sequence (order, multiplicity), the length limits and
    /// lexical forms of ID IO §2.7, and the prose rules of §2.2–2.3:
    /// `dateOfBirth` as `TT.MM.JJJJ` with unknown parts `<` (§2.2.1),
    /// `country` as two capital letters (ISO 3166 alpha-2 form, D71), `age`
    /// as decimal digits (the table's `xs:int`, D70), `over16`/`over18` only
    /// `true` (ID FU: offered only when true, D71), no empty value.
    ///
    /// # Errors
    /// The first [`CardError`].
    pub fn check(&self) -> Result<(), CardError> {
        let schema = self.card_type.schema();
        let mut spec_index = 0;
        let mut count = 0;
        for (position, field) in self.fields.iter().enumerate() {
            loop {
                let Some(spec) = schema.get(spec_index) else {
                    return Err(self.unexpected(field, position));
                };
                if spec.name == field.name && count < spec.max {
                    count += 1;
                    check_value(spec, &field.value)?;
                    break;
                }
                if count < spec.min {
                    return Err(if schema.iter().any(|s| s.name == field.name) {
                        CardError::MissingField {
                            card: self.card_type,
                            element: spec.name,
                        }
                    } else {
                        self.unexpected(field, position)
                    });
                }
                spec_index += 1;
                count = 0;
            }
        }
        for spec in schema.get(spec_index..).unwrap_or_default() {
            if count < spec.min {
                return Err(CardError::MissingField {
                    card: self.card_type,
                    element: spec.name,
                });
            }
            count = 0;
        }
        Ok(())
    }

    fn unexpected(&self, field: &CardField, position: usize) -> CardError {
        CardError::UnexpectedField {
            card: self.card_type,
            element: field.name.chars().take(64).collect(),
            position,
        }
    }

    /// The card element (`<de-mail:NaturalPerson>...`) with the prefix
    /// `de-mail`, which the caller declares, as the assertion does.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(128 + 96 * self.fields.len());
        out.push_str("<de-mail:");
        out.push_str(self.card_type.element());
        out.push('>');
        for field in &self.fields {
            out.push_str("<de-mail:");
            out.push_str(&field.name);
            out.push_str(" validationTime=\"");
            out.push_str(&field.validation_time.to_rfc3339());
            out.push_str("\">");
            push_escaped(&mut out, &field.value);
            out.push_str("</de-mail:");
            out.push_str(&field.name);
            out.push('>');
        }
        out.push_str("</de-mail:");
        out.push_str(self.card_type.element());
        out.push('>');
        out
    }

    /// The body text lines: every attribute with its meaning and value
    /// (ID IO §2.1.1), `Bedeutung (Element): Wert (geprüft am ...)`.
    pub fn describe(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|field| {
                let meaning = self.spec(&field.name).map_or("", |s| s.meaning);
                let value = match field.value.as_str() {
                    "true" | "1" => "ja",
                    "false" | "0" => "nein",
                    value => value,
                };
                format!(
                    "{meaning} ({}): {value} (geprüft am {})",
                    field.name,
                    field.validation_time.to_german()
                )
            })
            .collect()
    }
}

fn invalid(spec: &FieldSpec, value: &str, rule: &'static str) -> CardError {
    CardError::InvalidValue {
        element: spec.name,
        value: value.chars().take(64).collect(),
        rule,
    }
}

fn check_value(spec: &FieldSpec, value: &str) -> Result<(), CardError> {
    match spec.value {
        ValueType::Boolean => {
            // xs:boolean allows 1 as well; the card only exists when true (D71).
            if !matches!(value, "true" | "1") {
                return Err(invalid(
                    spec,
                    value,
                    "ID FU §3.2 (an age card over 16/18 is only issued when true; xs:boolean)",
                ));
            }
        }
        ValueType::Text { max_chars } => {
            let chars = value.chars().count();
            if chars > max_chars {
                return Err(CardError::TooLong {
                    element: spec.name,
                    chars,
                    limit: max_chars,
                });
            }
            if value.trim().is_empty() {
                return Err(invalid(spec, value, "ID IO §2.2 (a leaf carries a value)"));
            }
        }
    }
    match spec.name {
        "dateOfBirth" if !is_date_of_birth(value) => Err(invalid(
            spec,
            value,
            "ID IO §2.2.1 (dd.mm.yyyy, unknown parts filled with <)",
        )),
        "country" if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())) => Err(invalid(
            spec,
            value,
            "ID IO §2.2.1 (DIN EN ISO 3166 ALPHA-2: two capital letters)",
        )),
        "age" if !(value.bytes().all(|b| b.is_ascii_digit())) => {
            Err(invalid(spec, value, "ID IO §2.3 (age as a number, xs:int)"))
        }
        _ => Ok(()),
    }
}

/// `dd.mm.yyyy`, each part digits or wholly `<` (ID IO §2.2.1), the known
/// parts in range.
fn is_date_of_birth(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[2] != b'.' || b[5] != b'.' {
        return false;
    }
    let part = |range: std::ops::Range<usize>, low: u32, high: u32| {
        let digits = &b[range];
        if digits.iter().all(|c| *c == b'<') {
            return true;
        }
        digits.iter().all(u8::is_ascii_digit)
            && (low..=high).contains(&digits.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
    };
    part(0..2, 1, 31) && part(3..5, 1, 12) && part(6..10, 1, 9999)
}

// The element name of ID IO §2.7 (`NaturalPerson`).
#[cfg(feature = "serde")]
crate::serialize::text_serde!(
    CardType,
    element,
    CardType::from_element,
    "a card type of ID IO §2.7"
);
