//! `demail ident build` and `demail ident check`: ident confirmations
//! (TR 01201 ID IO §2), the card as JSON (README "Ident cards as JSON", D77).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use demail::address::DeMailAddress;
use demail::confirmation::Issuer;
use demail::fields::DateTime;
use demail::ident::{
    CardField, CardType, IdentAssertion, IdentCard, IdentRequest, build_ident_confirmation,
    check_ident_confirmation,
};
use demail::trust::KeyPolicy;
use demail::xml::XmlDateTime;

/// The `ident` subcommands.
#[derive(Subcommand)]
pub(crate) enum IdentCommand {
    /// Build a signed ident confirmation (Ident-Bestätigung) from a card.
    ///
    /// Exit code 0: written; 1: refused (card, holder or sender break a
    /// rule); 2: unreadable input or usage error.
    Build(BuildArgs),
    /// Check a received ident confirmation; print card, assertion and checks as JSON.
    ///
    /// Exit code 0: every check passes; 1: a mismatch or bad signature; 2:
    /// unreadable input or usage error.
    Check(CheckArgs),
}

/// Arguments of `demail ident build`.
#[derive(Args)]
pub(crate) struct BuildArgs {
    /// The card as JSON (`{"type": "NaturalPerson", "validation_time": ..., "fields": [...]}`).
    #[arg(long)]
    card: PathBuf,
    /// The orderer and card holder (Cc; the assertion's subject).
    #[arg(long)]
    holder: String,
    /// The receiving service provider (To; the assertion's audience).
    #[arg(long)]
    audience: String,
    /// The provider's PKCS#8 private key (PEM).
    #[arg(long)]
    provider_key: PathBuf,
    /// The provider's certificate (PEM).
    #[arg(long)]
    provider_cert: PathBuf,
    /// The sender, `Ident-Bestaetigung@<DMDA>`.
    #[arg(long)]
    provider_address: String,
    /// The provider's name in From (default: the address's domain).
    #[arg(long)]
    provider_name: Option<String>,
    /// Issue time as RFC 3339 (default: now, UTC).
    #[arg(long)]
    at: Option<String>,
    /// The holder's last authentication as RFC 3339 (default: the issue time).
    #[arg(long)]
    authn_instant: Option<String>,
    /// The AuthnContextClassRef URI (default: MobileTwoFactorContract).
    #[arg(long)]
    authn_context: Option<String>,
    /// Write the message here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Arguments of `demail ident check`.
#[derive(Args)]
pub(crate) struct CheckArgs {
    /// The ident confirmation, or `-` for standard input.
    file: PathBuf,
    /// The receiving service provider the assertion must name as audience.
    #[arg(long)]
    audience: Option<String>,
    #[command(flatten)]
    trust: super::TrustArgs,
    /// Require RSA keys of at least 3000 bits (BSI TR-02102-1).
    #[arg(long)]
    tr_02102: bool,
}

pub(crate) fn run(command: &IdentCommand) -> Result<ExitCode, String> {
    match command {
        IdentCommand::Build(args) => build(args),
        IdentCommand::Check(args) => check(args),
    }
}

/// An RFC 3339 time as the crate's date type, in its own offset.
fn date_time(text: &str, option: &str) -> Result<DateTime, String> {
    XmlDateTime::parse(text)
        .map(|t| t.0)
        .ok_or_else(|| format!("{option} {text}: not an RFC 3339 date-time with offset"))
}

fn now() -> DateTime {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let parsed = mail_parser::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(0));
    DateTime {
        year: parsed.year,
        month: parsed.month,
        day: parsed.day,
        hour: parsed.hour,
        minute: parsed.minute,
        second: parsed.second,
        offset_minutes: 0,
    }
}

fn address(value: &str, option: &str) -> Result<DeMailAddress<'static>, String> {
    DeMailAddress::parse(value)
        .map(DeMailAddress::into_owned)
        .map_err(|e| format!("{option} {value}: {e}"))
}

fn build(args: &BuildArgs) -> Result<ExitCode, String> {
    let text = super::read_text(&args.card)?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.card.display()))?;
    let card = match card_from_json(&json) {
        Ok(card) => card,
        Err(CardJsonError::Shape(message)) => return Err(format!("{}: {message}", args.card.display())),
        Err(CardJsonError::Rule(error)) => {
            eprintln!("demail: {}: {error}", args.card.display());
            return Ok(ExitCode::from(1));
        }
    };
    let provider = address(&args.provider_address, "--provider-address")?;
    let name = args
        .provider_name
        .clone()
        .unwrap_or_else(|| provider.domain.to_string());
    let issuer = Issuer::new(name, provider);
    let signer = super::load_signer(Some(&args.provider_key), Some(&args.provider_cert))?
        .ok_or("--provider-key and --provider-cert are required")?;
    let time = args
        .at
        .as_deref()
        .map(|t| date_time(t, "--at"))
        .transpose()?
        .unwrap_or_else(now);
    let mut request = IdentRequest::new(
        &card,
        &issuer,
        address(&args.holder, "--holder")?,
        address(&args.audience, "--audience")?,
        time,
    );
    request.authn_instant = args
        .authn_instant
        .as_deref()
        .map(|t| date_time(t, "--authn-instant"))
        .transpose()?;
    request.authn_context = args.authn_context.clone();
    let message = match build_ident_confirmation(&request, &signer.0, &signer.1) {
        Ok(message) => message,
        Err(
            error @ (demail::ident::IdentBuildError::SystemAddress(_)
            | demail::ident::IdentBuildError::HolderMismatch { .. }
            | demail::ident::IdentBuildError::PseudonymCard(_)),
        ) => {
            eprintln!("demail: {error}");
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(error.to_string()),
    };
    super::confirm::write_output(args.output.as_deref(), &message)?;
    Ok(ExitCode::SUCCESS)
}

fn check(args: &CheckArgs) -> Result<ExitCode, String> {
    let raw =
        super::read_input(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let trust = args.trust.load()?;
    let options = trust.options(if args.tr_02102 {
        KeyPolicy::tr_02102()
    } else {
        KeyPolicy::default()
    });
    let report = check_ident_confirmation(&raw, args.audience.as_deref(), &options)
        .map_err(|e| format!("{}: {e}", args.file.display()))?;
    let output = json!({
        "passed": report.passed(),
        "mismatches": report.mismatches.iter().map(|m| json!({
            "code": m.code().as_str(),
            "detail": m.to_string(),
        })).collect::<Value>(),
        "integrity": super::report_json(&report.integrity),
        "assertion": report.assertion.as_ref().map(assertion_json),
        "assertion_signature_valid": report.xml_signature.as_ref().is_some_and(|r| r.passed()),
        "card": report.assertion.as_ref().map(|a| card_to_json(&a.card)),
    });
    let text = serde_json::to_string_pretty(&output).map_err(|e| format!("cannot write JSON: {e}"))?;
    println!("{text}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The assertion's fields (without the card) as JSON.
pub(crate) fn assertion_json(assertion: &IdentAssertion) -> Value {
    json!({
        "id": assertion.id,
        "issue_instant": assertion.issue_instant.to_string(),
        "issuer": assertion.issuer,
        "subject": assertion.subject,
        "audience": assertion.audience,
        "authn_instant": assertion.authn_instant.to_string(),
        "authn_context": assertion.authn_context,
        "card_type": assertion.card.card_type().element(),
    })
}

/// Why a card JSON was not accepted: its shape (exit 2) or a card rule (exit 1).
enum CardJsonError {
    Shape(String),
    Rule(demail::ident::CardError),
}

/// The card from its JSON form (D77): `type` (the XSD element name), an
/// optional default `validation_time`, and `fields`, each `name`, `value`
/// (string, or boolean for over16/over18) and optional `validation_time`,
/// in schema order.
fn card_from_json(json: &Value) -> Result<IdentCard, CardJsonError> {
    let shape = |m: &str| CardJsonError::Shape(m.to_owned());
    let card_type = json
        .get("type")
        .and_then(Value::as_str)
        .and_then(CardType::from_element)
        .ok_or_else(|| shape("`type` must be one of LegalPerson, NaturalPerson, Address, Age, AgeOver16, AgeOver18, DeMailAddress"))?;
    let default_time = json.get("validation_time").and_then(Value::as_str);
    let fields = json
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("`fields` must be an array"))?;
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("every field needs a string `name`"))?;
        let value = match field.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(shape(&format!("field `{name}` needs a `value`"))),
        };
        let time = field
            .get("validation_time")
            .and_then(Value::as_str)
            .or(default_time)
            .ok_or_else(|| {
                shape(&format!(
                    "field `{name}` needs a `validation_time` (or a default one)"
                ))
            })?;
        let time = XmlDateTime::parse(time).ok_or_else(|| {
            shape(&format!(
                "field `{name}`: validation_time {time} is not an xs:dateTime with offset"
            ))
        })?;
        out.push(CardField::new(name, value, time));
    }
    IdentCard::new(card_type, out).map_err(CardJsonError::Rule)
}

/// The JSON form of a card (each field with its own validation time).
pub(crate) fn card_to_json(card: &IdentCard) -> Value {
    json!({
        "type": card.card_type().element(),
        "fields": card.fields().iter().map(|f| json!({
            "name": f.name,
            "value": f.value,
            "validation_time": f.validation_time.to_string(),
        })).collect::<Value>(),
    })
}
