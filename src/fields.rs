//! The header fields of a De-Mail message and their typed values
//! (TR 01201-3.4 §3.1, Table 1).
//!
//! [`FieldName`] lists every field the TR defines, with its canonical
//! spelling and its row in Table 1. The value types parse the exact
//! spellings of the TR and nothing else: `yes`/`no` are case-sensitive
//! (§3.1.2–§3.1.6), and message types contain spaces (§3.1.12).
//!
//! ```
//! use demail::fields::{FieldName, MessageType, parse_yes_no};
//!
//! assert_eq!(FieldName::lookup("x-DE-mail-PRIVATE"), Some(FieldName::Private));
//! assert_eq!(MessageType::parse("confirmation of dispatch"), Some(MessageType::ConfirmationOfDispatch));
//! assert_eq!(MessageType::parse("confirmation-of-dispatch"), None);
//! assert_eq!(parse_yes_no("yes"), Some(true));
//! assert_eq!(parse_yes_no("Yes"), None);
//! ```

use std::borrow::Cow;
use std::fmt;

mod date_time;
mod text;

pub use date_time::{DateFormat, DateTime, DateTimeError, unix_seconds};
#[cfg(feature = "serde")]
pub(crate) use date_time::{UnixTime, serialize_system_time};
pub use text::FieldText;
pub(crate) use text::{encoded_word_start, provably_not_empty};

/// A cell of Table 1 (TR 01201-3.4 §3.1.1): whether a field is present in
/// a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// XX: must be present.
    Required,
    /// X: may be present.
    Optional,
    /// Empty cell: must not be present.
    Forbidden,
}

/// Declares the header fields once: each row gives the variant, the
/// canonical spelling, the lower-case spelling (the lookup key and the
/// written form of the `X-de-mail-*` fields), the row of Table 1, the TR
/// section, the Table 1 cells N, B, M, I and the position in the `h=` list
/// of §3.1.21 (`-` for a field that is not signed). [`FieldName`] and all
/// its tables derive from it.
macro_rules! field_table {
    ($($(#[$doc:meta])* $variant:ident: $name:literal, $lower:literal, row $row:literal, $section:literal,
        [$n:ident, $b:ident, $m:ident, $i:ident], signed $signed:tt;)+) => {
        /// A header field defined by TR 01201-3.4 §3.1 (Table 1).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FieldName {
            $($(#[$doc])* $variant,)+
        }

        impl FieldName {
            /// Every field, in the order of Table 1.
            pub const ALL: [FieldName; 29] = [$(FieldName::$variant,)+];

            /// The canonical spelling, as the TR writes it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FieldName::$variant => $name,)+
                }
            }

            /// The spelling in lower case.
            const fn lower_case(self) -> &'static str {
                match self {
                    $(FieldName::$variant => $lower,)+
                }
            }

            /// The row of Table 1 (1 to 26; the four Resent-* fields share row 20).
            pub const fn table_row(self) -> u8 {
                match self {
                    $(FieldName::$variant => $row,)+
                }
            }

            /// The TR section that defines the field.
            pub const fn section(self) -> &'static str {
                match self {
                    $(FieldName::$variant => $section,)+
                }
            }

            /// The cells of Table 1 (TR 01201-3.4 §3.1.1) in the columns N
            /// (normal), B (confirmation), M (notification) and I (ident).
            pub const fn table_1_cells(self) -> [Presence; 4] {
                match self {
                    $(FieldName::$variant => [$n, $b, $m, $i],)+
                }
            }

            /// The position (from 1) in the `h=` list of TR 01201-3.4
            /// §3.1.21; `None` for a field that is not signed.
            pub const fn signed_position(self) -> Option<usize> {
                match self {
                    $(FieldName::$variant => signed_position!($signed),)+
                }
            }
        }
    };
}

macro_rules! signed_position {
    (-) => {
        None
    };
    ($position:literal) => {
        Some($position)
    };
}

use Presence::{Forbidden as NO, Optional as X, Required as XX};

field_table! {
    /// `X-de-mail-confirmation-of-dispatch` (Versandbestätigung, §3.1.2).
    ConfirmationOfDispatch: "X-de-mail-confirmation-of-dispatch", "x-de-mail-confirmation-of-dispatch", row 1, "TR 01201-3.4 §3.1.2", [XX, NO, NO, NO], signed 6;
    /// `X-de-mail-confirmation-of-receipt` (Eingangsbestätigung, §3.1.3).
    ConfirmationOfReceipt: "X-de-mail-confirmation-of-receipt", "x-de-mail-confirmation-of-receipt", row 2, "TR 01201-3.4 §3.1.3", [XX, NO, NO, NO], signed 7;
    /// `X-de-mail-confirmation-of-retrieve` (Abholbestätigung, §3.1.4).
    ConfirmationOfRetrieve: "X-de-mail-confirmation-of-retrieve", "x-de-mail-confirmation-of-retrieve", row 3, "TR 01201-3.4 §3.1.4", [XX, NO, NO, NO], signed 8;
    /// `X-de-mail-authoritative` (absenderbestätigt, §3.1.5).
    Authoritative: "X-de-mail-authoritative", "x-de-mail-authoritative", row 4, "TR 01201-3.4 §3.1.5", [XX, NO, NO, NO], signed 9;
    /// `X-de-mail-private` (persönlich, §3.1.6).
    Private: "X-de-mail-private", "x-de-mail-private", row 5, "TR 01201-3.4 §3.1.6", [XX, X, NO, XX], signed 10;
    /// `X-de-mail-sender` (Absender-Adresse, §3.1.7).
    Sender: "X-de-mail-sender", "x-de-mail-sender", row 6, "TR 01201-3.4 §3.1.7", [XX, XX, XX, XX], signed 11;
    /// `X-de-mail-chosen-recipient` (Empfänger-Adressen, §3.1.8).
    ChosenRecipient: "X-de-mail-chosen-recipient", "x-de-mail-chosen-recipient", row 7, "TR 01201-3.4 §3.1.8", [XX, XX, XX, XX], signed 12;
    /// `Subject` (Betreff).
    Subject: "Subject", "subject", row 8, "TR 01201-3.4 §3.1.1", [XX, XX, XX, XX], signed 4;
    /// `X-de-mail-private-id` (Nachrichten-Kennung des Absenders, §3.1.17).
    PrivateId: "X-de-mail-private-id", "x-de-mail-private-id", row 9, "TR 01201-3.4 §3.1.17", [X, X, X, NO], signed 18;
    /// `Reply-To` (Antwort-Adresse).
    ReplyTo: "Reply-To", "reply-to", row 10, "TR 01201-3.4 §3.1.1", [X, X, X, X], signed 5;
    /// `X-de-mail-auth-level` (Authentisierungsniveau, §3.1.9).
    AuthLevel: "X-de-mail-auth-level", "x-de-mail-auth-level", row 11, "TR 01201-3.4 §3.1.9", [XX, X, X, X], signed 14;
    /// `X-de-mail-auth-mechanism` (Authentisierungsmechanismus, §3.1.10).
    AuthMechanism: "X-de-mail-auth-mechanism", "x-de-mail-auth-mechanism", row 12, "TR 01201-3.4 §3.1.10", [XX, X, X, X], signed 13;
    /// `Date` (Versanddatum und -zeit).
    Date: "Date", "date", row 13, "TR 01201-3.4 §3.1.1", [XX, XX, XX, XX], signed 2;
    /// `X-de-mail-message-id` (De-Mail-Message-ID, §3.1.18).
    DeMailMessageId: "X-de-mail-message-id", "x-de-mail-message-id", row 14, "TR 01201-3.4 §3.1.18", [XX, XX, XX, XX], signed 19;
    /// `X-de-mail-originator-provider` (De-Mail-Server, §3.1.11).
    OriginatorProvider: "X-de-mail-originator-provider", "x-de-mail-originator-provider", row 15, "TR 01201-3.4 §3.1.11", [XX, XX, XX, XX], signed 15;
    /// `X-de-mail-message-type` (Nachrichtentyp, §3.1.12).
    MessageType: "X-de-mail-message-type", "x-de-mail-message-type", row 16, "TR 01201-3.4 §3.1.12", [XX, XX, XX, XX], signed 16;
    /// `X-de-mail-integrity` (Hashwert / Signatur, §3.1.13).
    Integrity: "X-de-mail-integrity", "x-de-mail-integrity", row 17, "TR 01201-3.4 §3.1.13", [XX, XX, XX, XX], signed -;
    /// `X-de-mail-signature-certificate` (Signaturzertifikat des DMDA, §3.1.14).
    SignatureCertificate: "X-de-mail-signature-certificate", "x-de-mail-signature-certificate", row 18, "TR 01201-3.4 §3.1.14", [X, XX, X, XX], signed -;
    /// `X-de-mail-actual-recipient` (Empfänger-Adressen für den Transport, §3.1.15).
    ActualRecipient: "X-de-mail-actual-recipient", "x-de-mail-actual-recipient", row 19, "TR 01201-3.4 §3.1.15", [XX, XX, XX, XX], signed -;
    /// `Resent-To` (Weiterleitungs-Absender, §3.2).
    ResentTo: "Resent-To", "resent-to", row 20, "TR 01201-3.4 §3.2", [X, X, X, X], signed -;
    /// `Resent-From` (§3.2).
    ResentFrom: "Resent-From", "resent-from", row 20, "TR 01201-3.4 §3.2", [X, X, X, X], signed -;
    /// `Resent-Date` (§3.2).
    ResentDate: "Resent-Date", "resent-date", row 20, "TR 01201-3.4 §3.2", [X, X, X, X], signed -;
    /// `Resent-Message-ID` (§3.2).
    ResentMessageId: "Resent-Message-ID", "resent-message-id", row 20, "TR 01201-3.4 §3.2", [X, X, X, X], signed -;
    /// `Envelope-to` (Weiterleitungsnachrichten, §3.1.22).
    EnvelopeTo: "Envelope-to", "envelope-to", row 21, "TR 01201-3.4 §3.1.22", [X, X, X, X], signed -;
    /// `X-de-mail-version` (Version der X-Header, §3.1.16).
    Version: "X-de-mail-version", "x-de-mail-version", row 22, "TR 01201-3.4 §3.1.16", [XX, XX, XX, XX], signed 17;
    /// `X-de-mail-account-holder` (vollständiger Name, §3.1.19).
    AccountHolder: "X-de-mail-account-holder", "x-de-mail-account-holder", row 23, "TR 01201-3.4 §3.1.19", [XX, NO, NO, NO], signed 20;
    /// `X-de-mail-notification-type` (Meldungsnachrichtentyp, §3.1.20).
    NotificationType: "X-de-mail-notification-type", "x-de-mail-notification-type", row 24, "TR 01201-3.4 §3.1.20", [NO, NO, XX, NO], signed -;
    /// `From` (Absender).
    From: "From", "from", row 25, "TR 01201-3.4 §3.1.1", [XX, XX, XX, XX], signed 1;
    /// `Message-ID`.
    MessageId: "Message-ID", "message-id", row 26, "TR 01201-3.4 §3.1.1", [XX, XX, XX, XX], signed 3;
}

impl FieldName {
    /// The fields of the `h=` list in the order of TR 01201-3.4 §3.1.21
    /// (`X-de-mail-private-id` only when the message has one).
    pub const SIGNED: [FieldName; 20] = signed_fields();

    /// The spelling written by this crate: lower case for the `X-de-mail-*`
    /// fields, as §3.1 recommends; the RFC 5322 fields as usual.
    pub fn written_name(self) -> &'static str {
        let name = self.as_str();
        if name.starts_with("X-de-mail-") {
            self.lower_case()
        } else {
            name
        }
    }

    /// Finds a field by name, case-insensitively (TR 01201-3.4 §3.1).
    pub fn lookup(name: &str) -> Option<FieldName> {
        // The length picks at most three candidates; each is compared with
        // the name eight bytes at a time, without a lower-cased copy
        // (docs/decisions.md D165). Most fields of a message are not
        // De-Mail fields and fail on the length alone.
        let bytes = name.as_bytes();
        let candidates = BY_LENGTH.get(bytes.len())?;
        candidates
            .iter()
            .flatten()
            .find(|key| key.matches(bytes))
            .map(|key| key.field)
    }
}

/// The longest field name, `x-de-mail-confirmation-of-dispatch`.
const LONGEST: usize = 34;

/// A field name prepared for [`FieldName::lookup`]: its lower-case spelling
/// as little-endian words at the offsets `min(8 k, len - 8)` (the last word
/// overlaps the one before), and per word the bits that ASCII case changes
/// (`0x20` in each letter's byte, nothing elsewhere).
#[derive(Clone, Copy)]
struct LookupKey {
    field: FieldName,
    words: [u64; 5],
    case_bits: [u64; 5],
}

impl LookupKey {
    const fn new(field: FieldName) -> LookupKey {
        let lower = field.lower_case().as_bytes();
        let mut key = LookupKey {
            field,
            words: [0; 5],
            case_bits: [0; 5],
        };
        // Names shorter than a word (Date, From, Subject) keep no words.
        let mut k = 0;
        while lower.len() >= 8 && k < word_count(lower.len()) {
            let at = word_offset(k, lower.len());
            let mut i = 0;
            while i < 8 {
                let byte = lower[at + i];
                key.words[k] |= (byte as u64) << (8 * i);
                if byte.is_ascii_lowercase() {
                    key.case_bits[k] |= 0x20 << (8 * i);
                }
                i += 1;
            }
            k += 1;
        }
        key
    }

    /// Whether `name` (of this key's length) is the field's name in any
    /// ASCII case: a letter byte matches with or without `0x20`, any other
    /// byte only itself, exactly as `eq_ignore_ascii_case`.
    fn matches(&self, name: &[u8]) -> bool {
        if name.len() < 8 {
            // Date, From, Subject: shorter than one word.
            return self.field.lower_case().as_bytes().eq_ignore_ascii_case(name);
        }
        (0..word_count(name.len())).all(|k| {
            let at = word_offset(k, name.len());
            let word = name
                .get(at..at + 8)
                .and_then(|chunk| <[u8; 8]>::try_from(chunk).ok());
            word.is_some_and(|word| u64::from_le_bytes(word) | self.case_bits[k] == self.words[k])
        })
    }
}

/// Words of eight bytes that cover a name of `len` bytes (at least 8).
const fn word_count(len: usize) -> usize {
    len.div_ceil(8)
}

/// Where word `k` of a name of `len` bytes (at least 8) starts.
const fn word_offset(k: usize, len: usize) -> usize {
    let at = 8 * k;
    if at + 8 > len { len - 8 } else { at }
}

/// The lookup keys by name length; at most three names share a length
/// (a fourth stops the build).
static BY_LENGTH: [[Option<LookupKey>; 3]; LONGEST + 1] = {
    let mut table = [[None; 3]; LONGEST + 1];
    let mut i = 0;
    while i < FieldName::ALL.len() {
        let field = FieldName::ALL[i];
        let row = &mut table[field.lower_case().len()];
        let mut slot = 0;
        while row[slot].is_some() {
            slot += 1;
        }
        row[slot] = Some(LookupKey::new(field));
        i += 1;
    }
    table
};

/// [`FieldName::SIGNED`] from the table's positions; a gap or a position
/// used twice stops the build.
const fn signed_fields() -> [FieldName; 20] {
    let mut out = [FieldName::Integrity; 20]; // Integrity is never signed: the "empty" slot
    let mut i = 0;
    while i < FieldName::ALL.len() {
        let field = FieldName::ALL[i];
        if let Some(position) = field.signed_position() {
            assert!(
                matches!(out[position - 1], FieldName::Integrity),
                "h= position used twice"
            );
            out[position - 1] = field;
        }
        i += 1;
    }
    let mut j = 0;
    while j < out.len() {
        assert!(
            !matches!(out[j], FieldName::Integrity),
            "h= position without a field"
        );
        j += 1;
    }
    out
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a yes/no option value: exactly `yes` or `no`, case-sensitive
/// (TR 01201-3.4 §3.1.2–§3.1.6). Anything else is `None`.
pub fn parse_yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Writes a yes/no option value.
pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident, $section:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order of the TR's table.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            #[doc = concat!("Parses the exact spelling of ", $section, "; `None` for anything else.")]
            pub fn parse(value: &str) -> Option<Self> {
                match value {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The spelling of the TR.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // The spelling of the TR, as in the header field (D182).
        #[cfg(feature = "serde")]
        crate::serialize::text_serde!($name, as_str, $name::parse, "a value the TR defines");
    };
}

keyword_enum! {
    /// The authentication level (Authentisierungsniveau) of `X-de-mail-auth-level`.
    AuthLevel, "TR 01201-3.4 §3.1.9" {
        /// `normal`.
        Normal = "normal",
        /// `high` (hohes Authentisierungsniveau).
        High = "high",
    }
}

keyword_enum! {
    /// The message type (Nachrichtentyp) of `X-de-mail-message-type`, Table 12.
    MessageType, "TR 01201-3.4 §3.1.12, Table 12" {
        /// A normal De-Mail message.
        Normal = "normal",
        /// A dispatch confirmation (Versandbestätigung).
        ConfirmationOfDispatch = "confirmation of dispatch",
        /// A receipt confirmation (Eingangsbestätigung).
        ConfirmationOfReceipt = "confirmation of receipt",
        /// A retrieve confirmation (Abholbestätigung).
        ConfirmationOfRetrieve = "confirmation of retrieve",
        /// The confirmation sent when malware was found.
        MalwareAcknowledge = "malware-acknowledge",
        /// The notification sent when malware was found.
        MalwareNotification = "malware-notification",
        /// A notification message (Meldungsnachricht).
        Notification = "notification",
        /// An ident confirmation (Ident-Bestätigungsnachricht).
        Identification = "identification",
    }
}

keyword_enum! {
    /// The notification type (Meldungsnachrichtentyp) of `X-de-mail-notification-type`, Table 22.
    NotificationType, "TR 01201-3.4 §3.1.20, Table 22" {
        /// Unknown recipient (unbekannter Empfänger).
        UnknownRecipient = "unknown-recipient",
        /// Closed account (geschlossenes Konto).
        ClosedAccount = "closed-account",
        /// Invalid format of the De-Mail message.
        InvalidFormat = "invalid-format",
        /// Any other reason, given in the text.
        Other = "other",
    }
}

/// The kind of a message: the column of Table 1 it is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MessageKind {
    /// N: a normal De-Mail message.
    Normal,
    /// B: a confirmation message (Bestätigungsnachricht).
    Confirmation,
    /// M: a notification message (Meldungsnachricht).
    Notification,
    /// I: an ident confirmation (Ident-Bestätigungsnachricht).
    Ident,
}

impl MessageKind {
    /// A lower-case name for reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageKind::Normal => "normal",
            MessageKind::Confirmation => "confirmation",
            MessageKind::Notification => "notification",
            MessageKind::Ident => "ident",
        }
    }
}

impl MessageType {
    /// The column of Table 1 this type belongs to.
    pub const fn kind(self) -> MessageKind {
        match self {
            MessageType::Normal => MessageKind::Normal,
            MessageType::ConfirmationOfDispatch
            | MessageType::ConfirmationOfReceipt
            | MessageType::ConfirmationOfRetrieve
            | MessageType::MalwareAcknowledge => MessageKind::Confirmation,
            MessageType::MalwareNotification | MessageType::Notification => MessageKind::Notification,
            MessageType::Identification => MessageKind::Ident,
        }
    }

    /// The local part of the system address that sends this type (PVD FU
    /// §4.3 table 1, ID FU §3.6); `None` for normal messages.
    pub const fn system_sender(self) -> Option<&'static str> {
        match self {
            MessageType::Normal => None,
            MessageType::ConfirmationOfDispatch => Some("Versandbestaetigung"),
            MessageType::ConfirmationOfReceipt => Some("Eingangsbestaetigung"),
            MessageType::ConfirmationOfRetrieve => Some("Abholbestaetigung"),
            MessageType::MalwareAcknowledge | MessageType::MalwareNotification => {
                Some("Schadsoftware-Warnung")
            }
            MessageType::Notification => Some("Meldung"),
            MessageType::Identification => Some("Ident-Bestaetigung"),
        }
    }
}

/// The version of the De-Mail header fields (`X-de-mail-version`, §3.1.16).
///
/// Table 17 lists 1.0, 1.1, 1.2 and 1.7; the version overview of §4 adds
/// 1.8, the edition of the TR this crate implements. Other values are kept,
/// not lost, and reported by validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Version {
    /// `1.0`.
    V1_0,
    /// `1.1`.
    V1_1,
    /// `1.2`.
    V1_2,
    /// `1.7`.
    V1_7,
    /// `1.8`.
    V1_8,
    /// A value the TR does not define, kept as written.
    Other(String),
}

impl Version {
    /// The version this crate writes.
    pub const CURRENT: Version = Version::V1_8;

    /// Parses a version; unknown values become [`Version::Other`].
    pub fn parse(value: &str) -> Version {
        match value {
            "1.0" => Version::V1_0,
            "1.1" => Version::V1_1,
            "1.2" => Version::V1_2,
            "1.7" => Version::V1_7,
            "1.8" => Version::V1_8,
            other => Version::Other(other.to_owned()),
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        match self {
            Version::V1_0 => "1.0",
            Version::V1_1 => "1.1",
            Version::V1_2 => "1.2",
            Version::V1_7 => "1.7",
            Version::V1_8 => "1.8",
            Version::Other(other) => other,
        }
    }

    /// Whether the TR defines this version.
    pub fn is_known(&self) -> bool {
        !matches!(self, Version::Other(_))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// A field by its name as Table 1 writes it (`X-de-mail-sender`).
#[cfg(feature = "serde")]
crate::serialize::text_serde!(FieldName, as_str, FieldName::lookup, "a field name of Table 1");

#[cfg(feature = "serde")]
crate::serialize::text_serde!(Version, as_str, |text| Some(Version::parse(text)), "a version");

/// Longest `X-de-mail-private-id` in characters (TR 01201-3.4 §3.1.17).
pub const MAX_PRIVATE_ID: usize = 1024;

/// Decodes an RFC 2822 `unstructured` value: unfolds it and decodes RFC 2047
/// encoded words (TR 01201-3.4 §3.1: Subject, `X-de-mail-account-holder`).
pub fn decode_unstructured(value: &[u8]) -> String {
    decode_unstructured_line(&with_line_end(value))
}

/// Decodes the RFC 2047 encoded words of a display name (RFC 2047 §5(3)),
/// replacing control characters with spaces but keeping inner spacing.
pub(crate) fn decode_display_name(phrase: &[u8]) -> String {
    without_controls(raw_unstructured(&with_line_end(phrase)).trim())
}

/// [`decode_unstructured`] for a value that still ends in its line end (no copy).
pub(crate) fn decode_unstructured_line(line: &[u8]) -> String {
    let decoded = raw_unstructured(line);
    if is_clean(&decoded) {
        // Most decoded values are clean already: keep mail-parser's string.
        return decoded.into_owned();
    }
    clean_decoded(&decoded)
}

/// Whether [`clean_decoded`] would return `text` unchanged: no control
/// characters, no white space but single spaces, nothing at either end.
fn is_clean(text: &str) -> bool {
    let mut previous_space = true; // no space at the start
    for c in text.chars() {
        let space = c == ' ';
        if (space && previous_space) || c.is_control() || (c.is_whitespace() && !space) {
            return false;
        }
        previous_space = space;
    }
    !previous_space || text.is_empty()
}

/// mail-parser's `unstructured` decoding of a value that ends in its line end.
fn raw_unstructured(line: &[u8]) -> Cow<'_, str> {
    match mail_parser::parsers::MessageStream::new(line).parse_unstructured() {
        mail_parser::HeaderValue::Text(text) => text,
        _ => Cow::Borrowed(""),
    }
}

/// A copy of a field value with CRLF appended: mail-parser's field parsers
/// read up to the line end.
fn with_line_end(value: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(value.len() + 2);
    line.extend_from_slice(value);
    line.extend_from_slice(b"\r\n");
    line
}

/// Normalises decoded `unstructured` text: control characters (CR and LF
/// among them, which encoded words can carry) become spaces, runs of white
/// space become one space, and the ends are trimmed. Decoded text can then
/// never break a header line, and writing it again (folded anywhere) reads
/// back the same.
pub(crate) fn clean_decoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_control() || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Replaces control characters (CR and LF among them) with spaces, keeping
/// everything else: for decoded display names, whose inner spacing is content.
pub(crate) fn without_controls(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // D12: the clean test agrees with clean_decoded on what needs cleaning.
    #[test]
    fn clean_text_is_what_clean_decoded_leaves_unchanged() {
        for text in [
            "",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "a\u{85}b",
            "ä ß",
            "\u{a0}x",
            "x\u{2003}y",
        ] {
            assert_eq!(is_clean(text), clean_decoded(text) == text, "{text:?}");
        }
    }

    // TR 01201-3.4 §3.1
    #[test]
    fn field_names_are_case_insensitive() {
        assert_eq!(FieldName::lookup("x-DE-mail-PRIVATE"), Some(FieldName::Private));
        assert_eq!(FieldName::lookup("message-id"), Some(FieldName::MessageId));
        assert_eq!(FieldName::lookup("X-Mailer"), None);
        for field in FieldName::ALL {
            assert_eq!(FieldName::lookup(field.as_str()), Some(field));
            assert_eq!(FieldName::lookup(field.written_name()), Some(field));
        }
    }

    // TR 01201-3.4 §3.1: "sollten klein geschrieben werden"
    #[test]
    fn de_mail_fields_are_written_in_lower_case() {
        assert_eq!(
            FieldName::ChosenRecipient.written_name(),
            "x-de-mail-chosen-recipient"
        );
        assert_eq!(FieldName::Subject.written_name(), "Subject");
        for field in FieldName::ALL {
            if field.as_str().starts_with("X-de-mail") {
                assert_eq!(field.written_name(), field.as_str().to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn table_rows_follow_table_1() {
        assert_eq!(FieldName::ConfirmationOfDispatch.table_row(), 1);
        assert_eq!(FieldName::ActualRecipient.table_row(), 19);
        assert_eq!(FieldName::ResentMessageId.table_row(), 20);
        assert_eq!(FieldName::EnvelopeTo.table_row(), 21);
        assert_eq!(FieldName::Version.table_row(), 22);
        assert_eq!(FieldName::MessageId.table_row(), 26);
    }

    // TR 01201-3.4 §3.1.2–§3.1.6
    #[test]
    fn yes_no_is_case_sensitive() {
        assert_eq!(parse_yes_no("yes"), Some(true));
        assert_eq!(parse_yes_no("no"), Some(false));
        assert_eq!(parse_yes_no("Yes"), None);
        assert_eq!(parse_yes_no("NO"), None);
        assert_eq!(parse_yes_no(""), None);
    }

    // TR 01201-3.4 §3.1.12, Table 12
    #[test]
    fn message_type_needs_spaces_not_dashes() {
        assert_eq!(MessageType::ALL.len(), 8);
        assert_eq!(
            MessageType::parse("confirmation of retrieve"),
            Some(MessageType::ConfirmationOfRetrieve)
        );
        assert_eq!(MessageType::parse("confirmation-of-dispatch"), None);
        assert_eq!(MessageType::parse("Normal"), None);
        for t in MessageType::ALL {
            assert_eq!(MessageType::parse(t.as_str()), Some(*t));
        }
    }

    // TR 01201-3.4 §3.1.20, Table 22
    #[test]
    fn notification_types_of_table_22() {
        assert_eq!(NotificationType::ALL.len(), 4);
        assert_eq!(
            NotificationType::parse("closed-account"),
            Some(NotificationType::ClosedAccount)
        );
        assert_eq!(NotificationType::parse("closed account"), None);
    }

    // TR 01201-3.4 §3.1.16, Table 17 and §4
    #[test]
    fn unknown_version_is_kept() {
        assert_eq!(Version::parse("1.7"), Version::V1_7);
        assert!(Version::parse("1.8").is_known());
        let unknown = Version::parse("1.3");
        assert!(!unknown.is_known());
        assert_eq!(unknown.as_str(), "1.3");
    }

    #[test]
    fn decoded_text_is_cleaned_of_control_characters() {
        assert_eq!(clean_decoded(" a\r\nb\t\tc\u{1}d "), "a b c d");
        assert_eq!(
            decode_unstructured(b" =?utf-8?Q?x=0D=0AInjected:_1?="),
            "x Injected: 1"
        );
    }

    #[test]
    fn encoded_words_are_decoded() {
        assert_eq!(decode_unstructured(b" =?UTF-8?Q?Stra=C3=9Fe?= 1"), "Straße 1");
        assert_eq!(decode_unstructured(b" =?ISO-8859-1?B?5A==?="), "ä");
        assert_eq!(decode_unstructured(b" plain\r\n text"), "plain text");
    }

    /// The former lookup: lower-case, then compare with the table.
    fn lookup_by_lower_case(name: &str) -> Option<FieldName> {
        let lower = name.to_ascii_lowercase();
        FieldName::ALL
            .into_iter()
            .find(|field| field.lower_case() == lower)
    }

    // TR 01201-3.4 §3.1, D165: every name of the table in every case of
    // every letter one at a time, and each with every byte value at every
    // position, looks up as the lower-case comparison does.
    #[test]
    fn lookup_matches_lower_case_comparison() {
        for field in FieldName::ALL {
            let lower = field.lower_case().as_bytes();
            for at in 0..lower.len() {
                for byte in 0..=255u8 {
                    let mut name = lower.to_vec();
                    name[at] = byte;
                    if let Ok(name) = std::str::from_utf8(&name) {
                        assert_eq!(FieldName::lookup(name), lookup_by_lower_case(name), "{name:?}");
                    }
                }
                let mut upper = lower.to_vec();
                upper[at] = upper[at].to_ascii_uppercase();
                let upper = std::str::from_utf8(&upper).expect("ASCII");
                assert_eq!(FieldName::lookup(upper), Some(field), "{upper:?}");
            }
            assert_eq!(
                FieldName::lookup(&field.as_str().to_ascii_uppercase()),
                Some(field)
            );
        }
    }

    proptest::proptest! {
        // D165: arbitrary names, lengths 0 to 40, mostly from the bytes of
        // field names, look up as the lower-case comparison does.
        #[test]
        fn lookup_matches_lower_case_comparison_for_any_name(name in "(?i)(x-de-mail-)?(confirmation-of-|auth-|private|message|re[a-z]{0,8})[a-z@\\[-]{0,14}") {
            proptest::prop_assert_eq!(FieldName::lookup(&name), lookup_by_lower_case(&name));
        }
    }
}
