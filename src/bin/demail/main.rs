//! The `demail` command-line tool (cargo feature `cli`): one file per
//! command, and [`io`] for everything they share (reading input, writing
//! output, signers, trust and time arguments, JSON, errors).
//!
//! Exit codes of every command: 0 done or passed; 1 refused by a rule of the
//! TR or a failed check; 2 unreadable input or usage error. A closed
//! standard output (`demail mbox list big.mbox | head`) ends the program
//! quietly with 141, as a shell reports a program ended by SIGPIPE
//! (docs/decisions.md D110).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check_confirmation;
mod confirm;
mod end_to_end;
mod forward;
mod ident;
mod inspect;
mod io;
mod mbox;
mod notify;
mod provider_directory;
mod redirect;
mod sign;
mod smime;
mod split_bcc;
mod verify;

/// The top-level help: what the tool does and the exit codes of all commands.
const ABOUT: &str = "Inspect, sign, verify, build and check De-Mail messages (BSI TR 01201)";

const LONG_ABOUT: &str = "\
Inspect, sign, verify, build and check De-Mail messages (BSI TR 01201): the \
X-de-mail-* metadata and its validation, X-de-mail-integrity, confirmations \
and notifications, forwarding, BCC copies, mbox files, S/MIME end-to-end \
protection and ident confirmations. Reports are JSON on standard output, \
each with \"schema_version\": \"1\" (schemas in docs/schemas/); errors are \
one human line on standard error (with --json also a JSON object \
{\"schema_version\", \"error\": {\"code\", \"message\", \"exit_code\"}} on \
standard output).";

const EXIT_CODES: &str = "\
Exit codes (every command):
  0    done, valid or passed
  1    refused by a rule of the TR, invalid, or a failed check
  2    unreadable input or usage error
  141  standard output was closed by its reader (nothing is printed)

Trust anchors and intermediates (--trust-anchor, --intermediate) may be PEM \
(one or more certificates) or DER; times (--at) are RFC 3339 with offset, \
e.g. 2026-11-24T00:00:00Z. Commands that sign take a PKCS#8 key file with \
its certificate, or a key in a PKCS#11 token (--pkcs11-module, \
--pkcs11-token, --pkcs11-key) with the PIN in the environment variable \
DEMAIL_PKCS11_PIN.";

#[derive(Parser)]
#[command(name = "demail", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXIT_CODES)]
struct Cli {
    /// On failure also print {"schema_version": "1", "error": {"code",
    /// "message", "exit_code"}} on standard output (the human line on
    /// standard error stays).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the De-Mail envelope of a message as JSON and validate it.
    ///
    /// Exit code 0: valid for its kind; 1: parsed but violates the TR;
    /// 2: cannot be read or is not a mail.
    Inspect(inspect::InspectArgs),
    /// Add X-de-mail-integrity: hash-only without a key, signed with --key and --cert.
    ///
    /// Exit code 0: written; 1: refused (hash-only on an authoritative
    /// message, FC-04); 2: unreadable input, usage error, or a key that does
    /// not match the certificate.
    Sign(sign::SignArgs),
    /// Verify X-de-mail-integrity and print the report as JSON.
    ///
    /// Exit code 0: pass; 1: fails or the signer is not trusted; 2: unreadable
    /// input or usage error.
    Verify(verify::VerifyArgs),
    /// Build a confirmation (dispatch, receipt, retrieve, malware) of an original message.
    ///
    /// Exit code 0: written; 1: refused (the original was sent on copy or
    /// to a system address: PVD FU Schritt 36, 45, 67); 2: unreadable input
    /// or usage error.
    Confirm(confirm::ConfirmArgs),
    /// Check a confirmation against its original; print the report as JSON.
    ///
    /// Exit code 0: it fits and both signatures verify; 1: a mismatch or bad
    /// signature; 2: unreadable input or usage error.
    CheckConfirmation(check_confirmation::CheckConfirmationArgs),
    /// Build a notification message (Meldungsnachricht) about an original message.
    ///
    /// Exit code 0: written; 1: refused (the original was sent on copy or
    /// to a system address); 2: unreadable input or usage error.
    Notify(notify::NotifyArgs),
    /// Forward a received message (TR 01201-3.4 §3.2): Resent-*, new actual
    /// recipient, Envelope-to; signed fields and body unchanged.
    ///
    /// Exit code 0: done; 1: refused (forwarding loop, retrieve confirmation
    /// requested); 2: unreadable input or usage error.
    Forward(forward::ResendArgs),
    /// Redirect a received message (Nachsendung, §3.3): as forward, without Resent-From.
    ///
    /// Exit code 0: done; 1: refused (forwarding loop); 2: unreadable input or usage error.
    Redirect(forward::ResendArgs),
    /// Split an outgoing message into the to/cc copy and one copy per BCC
    /// recipient, each hashed or signed (§3.1.8, §3.1.21); JSON report.
    ///
    /// Exit code 0: done; 1: not ready to be hashed, or authoritative without
    /// a key (FC-04); 2: unreadable input or usage error.
    SplitBcc(split_bcc::SplitBccArgs),
    /// mbox export, import and listing (§3.6, qmail From_ quoting); list and
    /// import stream JSON Lines (one line per message, then a summary line).
    ///
    /// Exit code 0: done; 1: invalid or unreadable messages found; 2:
    /// unreadable input or usage error.
    Mbox {
        #[command(subcommand)]
        command: mbox::MboxCommand,
    },
    /// Replace the content with S/MIME (RFC 8551): optionally signed, then
    /// encrypted to every --recipient-cert; the envelope fields and the
    /// Subject stay readable (TR 01201-3.4 §2.1.3).
    ///
    /// Exit code 0: done; 1: refused (the message is already sealed); 2:
    /// unreadable input or usage error.
    Protect(smime::ProtectArgs),
    /// Decrypt an S/MIME protected message, verify its inner signature and
    /// print the report as JSON.
    ///
    /// Exit code 0: opened and every signature passed; 1: not for this
    /// key, changed, or a signature that does not pass; 2: unreadable input
    /// or usage error.
    Open(smime::OpenArgs),
    /// Ident confirmations (Ident-Bestätigung, ID IO §2): build one from a
    /// card, or check a received one; JSON reports.
    ///
    /// Exit code 0: built, or every check passes; 1: refused or a failed
    /// check; 2: unreadable input or usage error.
    Ident {
        #[command(subcommand)]
        command: ident::IdentCommand,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: clap prints them and exits 0.
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            let json = std::env::args_os().any(|arg| arg == "--json");
            return io::finish(Err(io::CliError::Usage(error)), json);
        }
    };
    let result = match &cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Confirm(args) => confirm::run(args),
        Command::CheckConfirmation(args) => check_confirmation::run(args),
        Command::Notify(args) => notify::run(args),
        Command::Forward(args) => forward::run(args),
        Command::Redirect(args) => redirect::run(args),
        Command::SplitBcc(args) => split_bcc::run(args),
        Command::Mbox { command } => mbox::run(command),
        Command::Protect(args) => smime::protect(args),
        Command::Open(args) => smime::open(args),
        Command::Ident { command } => ident::run(command),
    };
    io::finish(result, cli.json)
}
