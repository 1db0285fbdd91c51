#!/usr/bin/env python3
"""Source of the De-Mail test vectors in tests/data/.

THIS SCRIPT IS THE SOURCE OF TRUTH for every `*.eml` file in this directory and
for `MANIFEST.tsv`. Do not edit the generated files by hand: change this script
and run it again:

    python3 tests/data/make_vectors.py

The output is deterministic (no clock, no real randomness: every "random" value
is derived from SHA-256 of a fixed seed), so running the script again rewrites
the files byte-identically.

The vectors follow BSI TR 01201 Teil 3.4 "PVD IO" v1.8, section 3.1 (header
fields, Table 1 presence matrix), and Teil 2.1 "ACM FU" section 2.1
(addresses). Every file uses CRLF line endings, except where a file is about
a line-ending defect (cr-without-lf.eml) or is not a mail at all
(not-a-mail.eml).

Values of x-de-mail-integrity (bh=, b=) and x-de-mail-signature-certificate
are plausible placeholders. They have the right shape but do NOT verify.
"""

import base64
import datetime
import hashlib
import os
import quopri
from email.utils import format_datetime

HERE = os.path.dirname(os.path.abspath(__file__))
CRLF = "\r\n"
CET = datetime.timezone(datetime.timedelta(hours=1))
CEST = datetime.timezone(datetime.timedelta(hours=2))


# ---------------------------------------------------------------------------
# Small deterministic helpers
# ---------------------------------------------------------------------------

def prand(seed: str, n: int) -> bytes:
    """n pseudo-random bytes derived from seed (deterministic)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}/{i}".encode()).digest()
        i += 1
    return out[:n]


def b64(seed: str, nbytes: int) -> str:
    return base64.b64encode(prand(seed, nbytes)).decode("ascii")


def date(y, mo, d, h, mi, s, tz=CET) -> str:
    """RFC 5322 date, e.g. 'Tue, 12 Mar 2024 09:15:02 +0100'."""
    return format_datetime(datetime.datetime(y, mo, d, h, mi, s, tzinfo=tz))


# ---------------------------------------------------------------------------
# Folding and encoding
# ---------------------------------------------------------------------------

def fold(name: str, value: str, after=None, width: int = 78) -> str:
    """Fold `value` (of header `name`) at single spaces.

    Only a space whose preceding character is in `after` may become a fold
    (any space when `after` is None). The fold replaces nothing: CRLF is
    inserted *before* the space, so unfolding (removing CRLF) gives back
    exactly `value`.
    """
    segments = []
    start = 0
    for i, ch in enumerate(value):
        if ch == " " and i > 0 and (after is None or value[i - 1] in after):
            segments.append(value[start:i])
            start = i
    segments.append(value[start:])
    lines = [segments[0]]
    used = len(name) + 2 + len(segments[0])
    for seg in segments[1:]:
        if used + len(seg) > width:
            lines.append(seg)
            used = len(seg)
        else:
            lines[-1] += seg
            used += len(seg)
    return CRLF.join(lines)


Q_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-.,:/")


def q_words(text: str, maxlen: int = 60) -> str:
    """RFC 2047 Q encoding of `text` as UTF-8 encoded words (each <= maxlen
    <= 75 chars, never splitting a character), separated by single spaces."""
    prefix, suffix = "=?UTF-8?Q?", "?="
    words, cur = [], ""
    for ch in text:
        if ch == " ":
            tok = "_"
        elif ch in Q_SAFE:
            tok = ch
        else:
            tok = "".join(f"={b:02X}" for b in ch.encode("utf-8"))
        if len(prefix) + len(cur) + len(tok) + len(suffix) > maxlen:
            # Prefer to start the next word at an encoded space ("_").
            cut = cur.rfind("_")
            if cut > 0:
                words.append(cur[:cut])
                cur = cur[cut:]
            else:
                words.append(cur)
                cur = ""
        cur += tok
    words.append(cur)
    return " ".join(prefix + w + suffix for w in words)


def b_words(text: str, maxlen: int = 60) -> str:
    """RFC 2047 B encoding of `text` as UTF-8 encoded words."""
    prefix, suffix = "=?UTF-8?B?", "?="
    max_bytes = (maxlen - len(prefix) - len(suffix)) // 4 * 3
    words, cur = [], b""
    for ch in text:
        enc = ch.encode("utf-8")
        if len(cur) + len(enc) > max_bytes:
            cut = cur.rfind(b" ")
            if cut > 0:
                words.append(cur[:cut])
                cur = cur[cut:]
            else:
                words.append(cur)
                cur = b""
        cur += enc
    words.append(cur)
    return " ".join(prefix + base64.b64encode(w).decode("ascii") + suffix for w in words)


def qp_body(text: str) -> str:
    """Quoted-printable UTF-8 body with CRLF line endings."""
    enc = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    return enc.replace("\n", CRLF)


def ascii_body(text: str) -> str:
    text.encode("ascii")
    return text.replace("\n", CRLF)


def recipients(to=(), cc=(), bcc=()) -> str:
    """X-de-mail-chosen-recipient / actual-recipient value (unfolded)."""
    groups = []
    for key, addrs in (("to", to), ("cc", cc), ("bcc", bcc)):
        if addrs:
            groups.append(f"{key}=" + ", ".join(addrs))
    return "; ".join(groups)


# ---------------------------------------------------------------------------
# X-de-mail-integrity and X-de-mail-signature-certificate placeholders
# ---------------------------------------------------------------------------

H_LIST = [
    "From", "Date", "Message-ID", "Subject", "Reply-To",
    "X-de-mail-confirmation-of-dispatch", "X-de-mail-confirmation-of-receipt",
    "X-de-mail-confirmation-of-retrieve", "X-de-mail-authoritative",
    "X-de-mail-private", "X-de-mail-sender", "X-de-mail-chosen-recipient",
    "X-de-mail-auth-mechanism", "X-de-mail-auth-level",
    "X-de-mail-originator-provider", "X-de-mail-message-type",
    "X-de-mail-version", "X-de-mail-private-id", "X-de-mail-message-id",
    "X-de-mail-account-holder",
]


def integrity(seed: str, domain: str, signed: bool, has_private_id: bool) -> str:
    """A folded DKIM-style tag list (TR 01201-3.4 §3.1.13, §3.1.21).

    Tag values are placeholders: bh= is 32 bytes, b= is 32 bytes (hash only)
    or 256 bytes (an RSA-2048 signature), all derived from `seed`. Folds are
    CRLF + TAB between tags, after ':' inside h= and inside the b= base64
    (RFC 6376 allows FWS in all three places).
    """
    h = [x for x in H_LIST if has_private_id or x != "X-de-mail-private-id"]
    toks = [("v=1;", " "), ("a=sha256/rsa;" if signed else "a=sha256;", " "),
            ("c=simple/simple;", " "), (f"d={domain};", " "), ("s=demail;", " ")]
    if signed:
        toks.append(("q=x-header/x-de-mail-signature-certificate;", " "))
    for i, name in enumerate(h):
        last = i == len(h) - 1
        toks.append((("h=" if i == 0 else "") + name + (";" if last else ":"),
                     " " if i == 0 else ""))
    toks.append((f"bh={b64(seed + '/bh', 32)};", " "))
    sig = "b=" + b64(seed + "/b", 256 if signed else 32)
    first = True
    while sig:
        toks.append((sig[:60], " " if first else ""))
        sig = sig[60:]
        first = False
    lines = [""]
    used = len("x-de-mail-integrity: ")
    for tok, sep in toks:
        if lines[-1] == "":
            lines[-1] = tok
            used += len(tok)
        elif used + len(sep) + len(tok) > 78:
            lines.append(tok)
            used = 1 + len(tok)
        else:
            lines[-1] += sep + tok
            used += len(sep) + len(tok)
    return (CRLF + "\t").join(lines)


def certificate(seed: str) -> str:
    """A folded base64 blob shaped like a DER X.509 certificate."""
    der_len = 0x035A
    der = bytes([0x30, 0x82, der_len >> 8, der_len & 0xFF,
                 0x30, 0x82, 0x02, 0x42, 0xA0, 0x03, 0x02, 0x01, 0x02,
                 0x02, 0x10]) + prand(seed + "/cert", der_len + 4 - 15)
    s = base64.b64encode(der).decode("ascii")
    first_len = 76 - len("x-de-mail-signature-certificate: ") + 1
    lines = [s[:first_len]]
    s = s[first_len:]
    while s:
        lines.append(s[:76])
        s = s[76:]
    return (CRLF + " ").join(lines)


# ---------------------------------------------------------------------------
# Message model
# ---------------------------------------------------------------------------

LOWER = {
    "dispatch": "x-de-mail-confirmation-of-dispatch",
    "receipt": "x-de-mail-confirmation-of-receipt",
    "retrieve": "x-de-mail-confirmation-of-retrieve",
    "authoritative": "x-de-mail-authoritative",
    "private": "x-de-mail-private",
    "sender": "x-de-mail-sender",
    "chosen": "x-de-mail-chosen-recipient",
    "auth-mechanism": "x-de-mail-auth-mechanism",
    "auth-level": "x-de-mail-auth-level",
    "provider": "x-de-mail-originator-provider",
    "message-type": "x-de-mail-message-type",
    "version": "x-de-mail-version",
    "private-id": "x-de-mail-private-id",
    "message-id": "x-de-mail-message-id",
    "account-holder": "x-de-mail-account-holder",
    "notification-type": "x-de-mail-notification-type",
    "actual": "x-de-mail-actual-recipient",
    "integrity": "x-de-mail-integrity",
    "certificate": "x-de-mail-signature-certificate",
}

# Mixed-case spellings for the case-insensitivity vector (TR 01201-3.4 §3.1).
MIXED = {
    "dispatch": "X-De-Mail-Confirmation-Of-Dispatch",
    "receipt": "X-de-mail-confirmation-of-receipt",
    "retrieve": "X-DE-MAIL-CONFIRMATION-OF-RETRIEVE",
    "authoritative": "X-De-Mail-Authoritative",
    "private": "X-De-Mail-Private",
    "sender": "X-DE-MAIL-SENDER",
    "chosen": "x-De-Mail-Chosen-Recipient",
    "auth-mechanism": "X-de-mail-Auth-Mechanism",
    "auth-level": "X-De-Mail-Auth-Level",
    "provider": "X-De-Mail-Originator-Provider",
    "message-type": "X-DE-Mail-Message-Type",
    "version": "X-De-Mail-Version",
    "private-id": "X-De-Mail-Private-ID",
    "message-id": "X-De-Mail-Message-ID",
    "account-holder": "X-De-Mail-Account-Holder",
    "notification-type": "X-De-Mail-Notification-Type",
    "actual": "X-De-Mail-Actual-Recipient",
    "integrity": "X-De-Mail-Integrity",
    "certificate": "X-De-Mail-Signature-Certificate",
}

OPTION_KEYS = ["dispatch", "receipt", "retrieve", "authoritative", "private"]


class Msg:
    """An ordered list of header fields plus a body (both text, CRLF)."""

    def __init__(self, fname: str):
        self.fname = fname
        self.fields = []  # list of [name, value]; value already folded
        self.body = ""
        self.blank_line = True

    def add(self, name, value):
        self.fields.append([name, value])
        return self

    def index(self, name):
        for i, (n, _) in enumerate(self.fields):
            if n.lower() == name.lower():
                return i
        raise KeyError(name)

    def remove(self, name):
        i = self.index(name)
        del self.fields[i]
        return self

    def set(self, name, value):
        self.fields[self.index(name)][1] = value
        return self

    def insert_after(self, anchor, name, value):
        self.fields.insert(self.index(anchor) + 1, [name, value])
        return self

    def insert_before(self, anchor, name, value):
        self.fields.insert(self.index(anchor), [name, value])
        return self

    def render(self) -> bytes:
        out = b""
        for name, value in self.fields:
            if isinstance(value, bytes):
                out += name.encode("ascii") + b": " + value + b"\r\n"
            else:
                out += (name + ": " + value + CRLF).encode("ascii")
        if self.blank_line:
            out += b"\r\n" + self.body.encode("ascii")
        return out


def demail(fname, *, date_, from_, to, subject, msgid, sender, chosen,
           provider, mtype, cc=None, reply_to=None, options=None,
           private_id=None, auth_level=None, auth_mech=None, version="1.8",
           account_holder=None, notification_type=None, actual=None,
           signed=False, content_type="text/plain; charset=UTF-8",
           cte="quoted-printable", body="", received=(), names=LOWER,
           msgid_domain=None):
    """Build a De-Mail message with headers in a realistic order.

    `from_`, `to`, `cc`, `reply_to` are header values (unfolded strings);
    `chosen`/`actual` are unfolded recipient-grammar values; `subject` and
    `account_holder` are already RFC 2047 encoded where needed.
    """
    m = Msg(fname)
    for r in received:
        m.add("Received", r)
    m.add("Date", date_)
    m.add("From", from_)
    m.add("To", fold("To", to, after=","))
    if cc:
        m.add("Cc", fold("Cc", cc, after=","))
    if reply_to:
        m.add("Reply-To", reply_to)
    m.add("Subject", fold("Subject", subject))
    m.add("Message-ID", f"<{msgid}>")
    m.add("MIME-Version", "1.0")
    m.add("Content-Type", content_type)
    if cte:
        m.add("Content-Transfer-Encoding", cte)
    options = options or {}
    for key in OPTION_KEYS:
        if key in options:
            m.add(names[key], options[key])
    m.add(names["sender"], sender)
    m.add(names["chosen"], fold(names["chosen"], chosen, after=",;"))
    if auth_mech is not None:
        m.add(names["auth-mechanism"], auth_mech)
    if auth_level is not None:
        m.add(names["auth-level"], auth_level)
    m.add(names["provider"], provider)
    m.add(names["message-type"], mtype)
    m.add(names["version"], version)
    if private_id is not None:
        m.add(names["private-id"], fold(names["private-id"], private_id))
    m.add(names["message-id"], msgid)
    if account_holder is not None:
        m.add(names["account-holder"], fold(names["account-holder"], account_holder))
    if notification_type is not None:
        m.add(names["notification-type"], notification_type)
    actual = chosen if actual is None else actual
    m.add(names["actual"], fold(names["actual"], actual, after=",;"))
    dom = provider.split(".", 1)[1]
    m.add(names["integrity"], integrity(fname, dom, signed, private_id is not None))
    if signed:
        m.add(names["certificate"], certificate(fname))
    m.body = body
    return m


# ---------------------------------------------------------------------------
# People, institutions, providers
# ---------------------------------------------------------------------------

MAX = "max.mustermann@dmda-a.de-mail.de"
ERIKA = "erika.mustermann@dmda-b.de-mail.de"
ERIKA2 = "erika.mustermann@mustermann.de-mail.de"
JUERGEN = "juergen.mueller@dmda-a.de-mail.de"
KATZE = "pn_katze@dmda-b.de-mail.de"
STADT = "poststelle@stadt-musterstadt.de-mail.de"
BAUAMT = "bauamt@stadt-musterstadt.de-mail.de"
ORTSBEIRAT = "ortsbeirat.nord@stadt-musterstadt.de-mail.de"
INITIATIVE = "info@anwohner-lindenweg.de-mail.de"
FINANZAMT = "poststelle@finanzamt-musterstadt.de-mail.de"
LRA = "poststelle@landratsamt-muehlbach.de-mail.de"
LRA_BAU = "bauaufsicht@landratsamt-muehlbach.de-mail.de"
STADTWERKE = "rechnung@stadtwerke-musterstadt.de-mail.de"
VERSICHERUNG = "kundenservice@versicherung-beispiel.de-mail.de"
ALTDORF = "poststelle@gemeinde-altdorf.de-mail.de"
NEUSTADT = "poststelle@verbandsgemeinde-neustadt.de-mail.de"
MX_A = "mx.dmda-a.de-mail.de"
MX_B = "mx.dmda-b.de-mail.de"


def received(from_host, from_ip, by_host, rcpt, when, sid):
    return (f"from {from_host} ({from_host} [{from_ip}])" + CRLF +
            f"\tby {by_host} (De-Mail PVD) with ESMTPS id {sid}" + CRLF +
            f"\tfor <{rcpt}>; {when}")


FILES = {}      # file name -> bytes
MANIFEST = []   # rows


def emit(msg_or_bytes, fname, kind, forwarded, exit_code, rules, comment):
    data = msg_or_bytes if isinstance(msg_or_bytes, bytes) else msg_or_bytes.render()
    FILES[fname] = data
    MANIFEST.append([fname, kind, forwarded, str(exit_code), ",".join(rules), comment])


# ---------------------------------------------------------------------------
# Valid normal messages
# ---------------------------------------------------------------------------

SUBJ_ANHOERUNG = "Anhörung über Straßenbau"
PID_ANHOERUNG = "AZ 66-1/2024-0815 Lindenweg Nord"


def normal_eml():
    to = ", ".join([
        f'"Max Mustermann" <{MAX}>',
        f'"Erika Mustermann" <{ERIKA}>',
        f'"Anwohnerinitiative Lindenweg e.V." <{INITIATIVE}>',
    ])
    cc = f'"Ortsbeirat Nord" <{ORTSBEIRAT}>'
    body = (
        "Sehr geehrte Damen und Herren,\n"
        "\n"
        "im Rahmen des Planfeststellungsverfahrens für den Ausbau des Lindenwegs\n"
        "(Abschnitt Nord) geben wir Ihnen gemäß § 28 VwVfG Gelegenheit, sich bis\n"
        "zum 12.04.2024 zu den für die Entscheidung erheblichen Tatsachen zu äußern.\n"
        "\n"
        "Die Planunterlagen liegen im Bürgerbüro, Zimmer 2.14, zur Einsicht aus.\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "Im Auftrag\n"
        "\n"
        "S. Beispiel\n"
        "Stadt Musterstadt – Straßenbauamt\n"
    )
    return demail(
        "normal.eml",
        received=[received(MX_A, "192.0.2.10", MX_B, ERIKA,
                           date(2024, 3, 12, 9, 15, 4), "4Tv9QZ1mKxz9sWn")],
        date_=date(2024, 3, 12, 9, 15, 2),
        from_=f'"Stadt Musterstadt" <{STADT}>',
        to=to, cc=cc,
        reply_to=f'"Stadt Musterstadt, Bauamt" <{BAUAMT}>',
        subject=q_words(SUBJ_ANHOERUNG),
        msgid="20240312091502.6a1f3c.0815@mx.dmda-a.de-mail.de",
        options={"dispatch": "yes", "receipt": "yes", "retrieve": "no",
                 "authoritative": "yes", "private": "yes"},
        sender=STADT,
        chosen=recipients(to=to.split(", "), cc=[cc]),
        auth_mech="nPA", auth_level="high",
        provider=MX_A, mtype="normal",
        private_id=PID_ANHOERUNG,
        account_holder=q_words("Stadt Musterstadt – Der Oberbürgermeister"),
        signed=True,
        body=qp_body(body),
    )


def normal_minimal_eml():
    body = (
        "Hallo,\n"
        "\n"
        "ist der Kratzbaum aus Ihrer Kleinanzeige noch zu haben? Ich koennte ihn\n"
        "am Samstagvormittag abholen.\n"
        "\n"
        "Viele Gruesse\n"
    )
    return demail(
        "normal-minimal.eml",
        date_=date(2024, 3, 14, 18, 2, 41),
        from_=KATZE, to=MAX,
        subject="Kratzbaum aus Ihrer Kleinanzeige",
        msgid="20240314180241.1c9e02@mx.dmda-b.de-mail.de",
        options={k: "no" for k in OPTION_KEYS},
        sender=KATZE, chosen=recipients(to=[MAX]),
        auth_mech="password", auth_level="normal",
        provider=MX_B, mtype="normal",
        account_holder="katze",
        content_type="text/plain; charset=us-ascii", cte=None,
        body=ascii_body(body),
    )


SUBJ_BAU = ("Ihr Antrag auf Erteilung einer Baugenehmigung vom 04.03.2024, "
            "Aktenzeichen BA-2024-00815 - Bescheid und Kostenfestsetzung")
PID_BAU = "BA-2024-00815"


def tiny_pdf() -> bytes:
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 12 Tf 72 770 Td (Baugenehmigung BA-2024-00815) Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def normal_attachment_eml():
    boundary = "=_demail_7f3a9c2e41b8"
    text = (
        "Sehr geehrter Herr Mustermann,\n"
        "\n"
        "anbei erhalten Sie den Bescheid über Ihren Bauantrag vom 04.03.2024\n"
        "(Aktenzeichen BA-2024-00815) sowie die Kostenfestsetzung.\n"
        "\n"
        "Bitte bestätigen Sie den Erhalt durch Abruf dieser Nachricht.\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "Landratsamt Mühlbach – Bauaufsicht\n"
    )
    pdf = base64.b64encode(tiny_pdf()).decode("ascii")
    pdf_lines = CRLF.join(pdf[i:i + 76] for i in range(0, len(pdf), 76))
    body = (
        "This is a multi-part message in MIME format." + CRLF + CRLF +
        "--" + boundary + CRLF +
        "Content-Type: text/plain; charset=UTF-8" + CRLF +
        "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF +
        qp_body(text) +
        "--" + boundary + CRLF +
        'Content-Type: application/pdf; name="Bescheid_BA-2024-00815.pdf"' + CRLF +
        "Content-Transfer-Encoding: base64" + CRLF +
        'Content-Disposition: attachment; filename="Bescheid_BA-2024-00815.pdf"' + CRLF + CRLF +
        pdf_lines + CRLF +
        "--" + boundary + "--" + CRLF
    )
    return demail(
        "normal-attachment.eml",
        received=[received(MX_B, "198.51.100.20", MX_A, MAX,
                           date(2024, 3, 15, 10, 30, 12), "4TwL2k0b7Jz3qRt")],
        date_=date(2024, 3, 15, 10, 30, 9),
        from_=f'"Landratsamt Muehlbach" <{LRA}>',
        to=f'"Max Mustermann" <{MAX}>',
        reply_to=LRA_BAU,
        subject=SUBJ_BAU,
        msgid="20240315103009.b81d44.00815@mx.dmda-b.de-mail.de",
        options={"dispatch": "yes", "receipt": "yes", "retrieve": "yes",
                 "authoritative": "yes", "private": "yes"},
        sender=LRA, chosen=recipients(to=[MAX]),
        auth_mech="smartcard", auth_level="high",
        provider=MX_B, mtype="normal",
        private_id=PID_BAU,
        account_holder=b_words("Landratsamt Mühlbach – Bauaufsicht"),
        signed=True,
        content_type=f'multipart/mixed; boundary="{boundary}"', cte=None,
        body=body,
    )


def normal_mixed_case_eml():
    body = (
        "Liebe Erika,\n"
        "\n"
        "wir feiern am Samstag, 23.03., ab 19 Uhr bei uns im Garten.\n"
        "Bring gern jemanden mit!\n"
        "\n"
        "Viele Grüße\n"
        "Jürgen\n"
    )
    m = demail(
        "normal-mixed-case-names.eml",
        date_=date(2024, 3, 16, 11, 47, 30),
        from_=f'"Juergen Mueller" <{JUERGEN}>',
        to=f'"Erika Mustermann" <{ERIKA}>',
        cc=KATZE,
        subject="Geburtstagsfeier am Samstag",
        msgid="20240316114730.5d2e91@mx.dmda-a.de-mail.de",
        options={"dispatch": "no", "receipt": "yes", "retrieve": "no",
                 "authoritative": "no", "private": "no"},
        sender=JUERGEN, chosen=recipients(to=[ERIKA], cc=[KATZE]),
        auth_mech="password+otp", auth_level="high",
        provider=MX_A, mtype="normal", version="1.7",
        account_holder=b_words("Jürgen Müller"),
        body=qp_body(body), names=MIXED,
    )
    # Standard fields in unusual spellings as well.
    m.fields[m.index("Message-ID")][0] = "Message-Id"
    m.fields[m.index("MIME-Version")][0] = "Mime-Version"
    m.fields[m.index("Content-Type")][0] = "content-type"
    return m


# A plain normal message used as the base of most broken vectors.
SUBJ_TERMIN = "Terminvereinbarung Wohnungsuebergabe"


def base_normal(fname, *, sender=MAX, from_=None, account_holder="Max Mustermann",
                to_addr=ERIKA, options=None, auth_level="normal",
                auth_mech="password", private_id=None, actual=None,
                chosen=None, signed=False, version="1.8", subject=SUBJ_TERMIN,
                msgid_tag="0000", provider=MX_A, minute=0):
    body = (
        "Hallo Erika,\n"
        "\n"
        "wie besprochen schlage ich fuer die Uebergabe der Wohnung den\n"
        "28.03.2024 um 16:00 Uhr vor. Bitte gib mir kurz Bescheid, ob das passt.\n"
        "\n"
        "Viele Gruesse\n"
        "Max\n"
    )
    if options is None:
        options = {"dispatch": "no", "receipt": "no", "retrieve": "no",
                   "authoritative": "no", "private": "no"}
    return demail(
        fname,
        date_=date(2024, 3, 18, 8, minute, 17),
        from_=from_ if from_ is not None else sender,
        to=to_addr,
        subject=subject,
        msgid=f"2024031808{minute:02d}17.{msgid_tag}@{provider}",
        options=options,
        sender=sender,
        chosen=chosen if chosen is not None else recipients(to=[to_addr]),
        actual=actual,
        auth_mech=auth_mech, auth_level=auth_level,
        provider=provider, mtype="normal", version=version,
        private_id=private_id,
        account_holder=account_holder,
        signed=signed,
        content_type="text/plain; charset=us-ascii", cte="7bit",
        body=ascii_body(body),
    )


def private_id_of_length(n: int) -> str:
    """An ASCII private-id of exactly n characters, words separated by single
    spaces (folded at those spaces; unfolding restores the exact value)."""
    words = ["Vorgang"]
    i = 1
    while len(" ".join(words)) + 1 + 13 + 1 + 8 <= n:
        words.append(f"Pos-{i:04d}/2024")
        i += 1
    rest = n - len(" ".join(words)) - 1
    words.append("Ende-" + "0" * (rest - 6) + "1")
    v = " ".join(words)
    assert len(v) == n and not v.endswith(" ") and "  " not in v and v.isascii()
    return v


# ---------------------------------------------------------------------------
# Confirmations, notifications, ident
# ---------------------------------------------------------------------------

def conf_body(kind_text, sender, recipient, when, subject, dm_msgid, integ, provider,
              deposit=None):
    integ_flat = integ.replace(CRLF + "\t", " ").replace(CRLF + " ", " ")
    lines = []
    if deposit is None:
        lines.append(f"Hiermit wird bestätigt, dass die Nachricht mit den folgenden Angaben "
                     f"{kind_text} wurde.")
    else:
        lines.append("Hiermit wird bestätigt, dass sich der Empfänger der Nachricht mit den "
                     "folgenden Angaben an seinem De-Mail-Konto sicher angemeldet hat.")
    lines.append("")
    if deposit is not None:
        lines.append(f"Zeitpunkt des Eingangs der Nachricht: {deposit} Uhr")
    lines += [
        f"Absender:       {sender}",
        f"Empfänger:      {recipient}",
        f"Datum:          {when}" + (" Uhr" if deposit is not None else ""),
        f"Betreff:        {subject}",
        f"Nachrichten-ID: {dm_msgid}",
        f"Prüfsumme:      {integ_flat}",
        "",
        f"Die Bestätigung erfolgte durch {provider}.",
        "",
    ]
    return qp_body("\n".join(lines))


def original_integrity(seed, domain, signed, has_pid):
    return integrity(seed, domain, signed, has_pid)


def confirmation_dispatch_eml(fname="confirmation-dispatch.eml", mtype="confirmation of dispatch",
                              extra_option=False):
    # Dispatch confirmation for normal.eml (sender's DMDA, to its Reply-To).
    sysaddr = "Versandbestaetigung@dmda-a.de-mail.de"
    subj = "*Versandbestätigung* " + SUBJ_ANHOERUNG
    body = conf_body("an den Empfänger versandt", STADT,
                     f"{MAX}, {ERIKA}, {INITIATIVE}, {ORTSBEIRAT}",
                     "12.03.2024 09:15", SUBJ_ANHOERUNG,
                     "20240312091502.6a1f3c.0815@mx.dmda-a.de-mail.de",
                     original_integrity("normal.eml", "dmda-a.de-mail.de", True, True),
                     "DMDA A GmbH https://www.dmda-a.de-mail.de/")
    m = demail(
        fname,
        date_=date(2024, 3, 12, 9, 15, 6),
        from_=f'"Versandbestaetigung DMDA A" <{sysaddr}>',
        to=f'"Stadt Musterstadt, Bauamt" <{BAUAMT}>',
        subject=q_words(subj),
        msgid="20240312091506.c0d1e2.vb@mx.dmda-a.de-mail.de",
        options={"private": "yes"},
        sender=sysaddr, chosen=recipients(to=[BAUAMT]),
        auth_level="high",
        provider=MX_A, mtype=mtype,
        private_id=PID_ANHOERUNG,
        signed=True, body=body,
    )
    if extra_option:
        m.insert_before("x-de-mail-private", "x-de-mail-confirmation-of-dispatch", "no")
    return m


def confirmation_receipt_eml():
    sysaddr = "Eingangsbestaetigung@dmda-b.de-mail.de"
    orig_subj = "Einspruch gegen den Einkommensteuerbescheid 2022"
    body = conf_body("im Postfach des Empfängers abgelegt", MAX, FINANZAMT,
                     "19.03.2024 14:02", orig_subj,
                     "20240319140210.77ab3f@mx.dmda-a.de-mail.de",
                     original_integrity("orig-einspruch", "dmda-a.de-mail.de", False, True),
                     "DMDA B AG https://www.dmda-b.de-mail.de/")
    return demail(
        "confirmation-receipt.eml",
        received=[received(MX_B, "198.51.100.20", MX_A, MAX,
                           date(2024, 3, 19, 14, 2, 16), "4TzQ0h3WcNz5mLp")],
        date_=date(2024, 3, 19, 14, 2, 14),
        from_=sysaddr,
        to=f'"Max Mustermann" <{MAX}>',
        cc=FINANZAMT,
        subject=q_words("*Eingangsbestätigung* " + orig_subj),
        msgid="20240319140214.9e4c01.eb@mx.dmda-b.de-mail.de",
        sender=sysaddr, chosen=recipients(to=[MAX], cc=[FINANZAMT]),
        provider=MX_B, mtype="confirmation of receipt",
        private_id="StNr 123/456/78901 Einspruch ESt 2022",
        signed=True, body=body,
    )


def confirmation_retrieve_eml():
    # Retrieval confirmation for normal-attachment.eml: produced by the
    # recipient's PVD (DMDA A), sent to the original Reply-To, CC recipient.
    sysaddr = "Abholbestaetigung@dmda-a.de-mail.de"
    body = conf_body(None, LRA, MAX, "15.03.2024 10:30", SUBJ_BAU,
                     "20240315103009.b81d44.00815@mx.dmda-b.de-mail.de",
                     original_integrity("normal-attachment.eml", "dmda-b.de-mail.de", True, True),
                     "DMDA A GmbH https://www.dmda-a.de-mail.de/",
                     deposit="15.03.2024 10:30")
    return demail(
        "confirmation-retrieve.eml",
        date_=date(2024, 3, 15, 19, 4, 51),
        from_=sysaddr,
        to=LRA_BAU, cc=f'"Max Mustermann" <{MAX}>',
        subject=q_words("*Abholbestätigung* " + SUBJ_BAU),
        msgid="20240315190451.2f7a88.ab@mx.dmda-a.de-mail.de",
        options={"private": "yes"},
        sender=sysaddr, chosen=recipients(to=[LRA_BAU], cc=[MAX]),
        auth_mech="nPA", auth_level="high",
        provider=MX_A, mtype="confirmation of retrieve",
        private_id=PID_BAU,
        signed=True, body=body,
    )


def malware_acknowledge_eml():
    sysaddr = "Schadsoftware-Warnung@dmda-b.de-mail.de"
    orig_subj = "Ihre Jahresverbrauchsabrechnung 2023"
    text = (
        "In der unten bezeichneten Nachricht, für die eine Eingangsbestätigung\n"
        "angefordert wurde, hat der Postfach- und Versanddienst des Empfängers\n"
        "Schadsoftware gefunden. Die Nachricht wurde nicht zugestellt und gelöscht.\n"
        "Es kann nicht davon ausgegangen werden, dass der Empfänger den Inhalt zur\n"
        "Kenntnis nehmen konnte.\n"
        "\n"
        f"Absender:       {STADTWERKE}\n"
        f"Empfänger:      {ERIKA}\n"
        "Datum:          20.03.2024 07:12\n"
        f"Betreff:        {orig_subj}\n"
        "Nachrichten-ID: 20240320071244.ee0931@mx.dmda-a.de-mail.de\n"
        "\n"
        "DMDA B AG https://www.dmda-b.de-mail.de/\n"
    )
    return demail(
        "malware-acknowledge.eml",
        date_=date(2024, 3, 20, 7, 12, 50),
        from_=f'"Schadsoftware-Warnung DMDA B" <{sysaddr}>',
        to=STADTWERKE, cc=ERIKA,
        subject="*Schadsoftware-Warnung* " + orig_subj,
        msgid="20240320071250.5b3c7d.sw@mx.dmda-b.de-mail.de",
        sender=sysaddr, chosen=recipients(to=[STADTWERKE], cc=[ERIKA]),
        provider=MX_B, mtype="malware-acknowledge",
        private_id="KD-4711-2023",
        signed=True, body=qp_body(text),
    )


def notification_eml(fname="notification.eml", with_type=True):
    sysaddr = "Meldung@dmda-b.de-mail.de"
    orig_subj = "Einladung zur Eigentümerversammlung"
    text = (
        "Ihre Nachricht konnte nicht zugestellt werden.\n"
        "\n"
        "Grund: Die Empfängeradresse ist nicht bekannt.\n"
        "Empfänger:      erika.musterfrau@dmda-b.de-mail.de\n"
        "Datum:          21.03.2024 16:40\n"
        f"Betreff:        {orig_subj}\n"
        "Nachrichten-ID: 20240321164002.30d8e1@mx.dmda-a.de-mail.de\n"
        "\n"
        "DMDA B AG\n"
    )
    return demail(
        fname,
        date_=date(2024, 3, 21, 16, 40, 9),
        from_=sysaddr, to=MAX,
        subject=q_words("Unzustellbare Nachricht: " + orig_subj),
        msgid=f"20240321164009.8a2b6f.{'mt' if with_type else 'nt'}@mx.dmda-b.de-mail.de",
        sender=sysaddr, chosen=recipients(to=[MAX]),
        provider=MX_B, mtype="notification",
        private_id="WEG-Lindenweg-12/2024",
        notification_type="unknown-recipient" if with_type else None,
        body=qp_body(text),
    )


def malware_notification_eml():
    sysaddr = "Schadsoftware-Warnung@dmda-b.de-mail.de"
    orig_subj = "Fotos vom Wochenende"
    text = (
        "In der folgenden Nachricht wurde Schadsoftware gefunden. Die Nachricht\n"
        "wurde nicht zugestellt und gelöscht.\n"
        "\n"
        f"Absender:       {JUERGEN}\n"
        f"Empfänger:      {ERIKA}\n"
        "Datum:          22.03.2024 20:15\n"
        f"Betreff:        {orig_subj}\n"
        "Nachrichten-ID: 20240322201533.4c11aa@mx.dmda-a.de-mail.de\n"
        "\n"
        "DMDA B AG\n"
    )
    return demail(
        "malware-notification.eml",
        date_=date(2024, 3, 22, 20, 15, 41),
        from_=f'"Schadsoftware-Warnung DMDA B" <{sysaddr}>',
        to=f'"Juergen Mueller" <{JUERGEN}>', cc=f'"Erika Mustermann" <{ERIKA}>',
        subject="Schadsoftware gefunden: " + orig_subj,
        msgid="20240322201541.d2e3f4.sw@mx.dmda-b.de-mail.de",
        sender=sysaddr, chosen=recipients(to=[JUERGEN], cc=[ERIKA]),
        provider=MX_B, mtype="malware-notification",
        notification_type="other",
        signed=True, body=qp_body(text),
    )


def ident_eml():
    sysaddr = "Ident-Bestaetigung@dmda-a.de-mail.de"
    text = (
        "Hiermit bestätigt die DMDA A GmbH, dass die folgenden Identitätsdaten für\n"
        f"die De-Mail-Adresse {MAX} geprüft wurden.\n"
        "\n"
        "Karte: Adresse (Address)\n"
        "  Nachname (surname):        Mustermann\n"
        "  Vorname (givenname):       Max\n"
        "  Straße (street):           Heidestraße 17\n"
        "  Wohnort (locality):        51147 Köln\n"
        "  Land (country):            DE\n"
        f"  De-Mail-Adresse:           {MAX}\n"
        "\n"
        "Alle Angaben wurden am 02.01.2024 bei der Eröffnung des Kontos anhand\n"
        "des Personalausweises festgestellt.\n"
    )
    return demail(
        "ident.eml",
        date_=date(2024, 3, 25, 9, 0, 12),
        from_=f'"Ident-Bestaetigung DMDA A" <{sysaddr}>',
        to=VERSICHERUNG, cc=f'"Max Mustermann" <{MAX}>',
        subject=q_words("Ident-Bestätigung"),
        msgid="20240325090012.71e0c3.id@mx.dmda-a.de-mail.de",
        options={"private": "yes"},
        sender=sysaddr, chosen=recipients(to=[VERSICHERUNG], cc=[MAX]),
        auth_mech="nPA", auth_level="high",
        provider=MX_A, mtype="identification",
        signed=True, body=qp_body(text),
    )


# ---------------------------------------------------------------------------
# Forwarding and redirect
# ---------------------------------------------------------------------------

def forwarded_eml():
    text = (
        "Hallo Erika,\n"
        "\n"
        "anbei die Aufstellung der Handwerkerrechnungen für die Steuererklärung.\n"
        "Die Belege schicke ich dir per Post.\n"
        "\n"
        "Gruß\n"
        "Jürgen\n"
    )
    m = demail(
        "forwarded.eml",
        received=[received(MX_A, "192.0.2.10", MX_B, ERIKA,
                           date(2024, 3, 26, 12, 5, 3), "4V1bG7n2Yqz8kPd")],
        date_=date(2024, 3, 26, 12, 5, 1),
        from_=f'"Juergen Mueller" <{JUERGEN}>',
        to=f'"Erika Mustermann" <{ERIKA}>',
        subject=q_words("Unterlagen für die Steuererklärung"),
        msgid="20240326120501.0b7c55@mx.dmda-a.de-mail.de",
        options={"dispatch": "yes", "receipt": "yes", "retrieve": "no",
                 "authoritative": "no", "private": "no"},
        sender=JUERGEN, chosen=recipients(to=[ERIKA]),
        actual=recipients(to=[ERIKA2]),
        auth_mech="password", auth_level="normal",
        provider=MX_A, mtype="normal",
        account_holder=b_words("Jürgen Müller"),
        body=qp_body(text),
    )
    # Auto-forward by erika's mailbox (TR 01201-3.4 §3.2): Resent-* block and
    # Envelope-to prepended, actual-recipient rewritten (done above).
    top = [
        ("Envelope-to", ERIKA2),
        ("Resent-Date", date(2024, 3, 26, 12, 5, 7)),
        ("Resent-From", f'"Erika Mustermann" <{ERIKA}>'),
        ("Resent-To", ERIKA2),
        ("Resent-Message-ID", "<20240326120507.fw.e19a04@mx.dmda-b.de-mail.de>"),
        ("Received", received(MX_B, "198.51.100.20", "mx.mustermann.de-mail.de", ERIKA2,
                              date(2024, 3, 26, 12, 5, 8), "4V1bG8q0Lfz2wTn")),
    ]
    m.fields[0:0] = [list(x) for x in top]
    return m


def redirected_eml():
    text = (
        "Sehr geehrte Damen und Herren,\n"
        "\n"
        "ich beantrage die Ausstellung eines Anwohnerparkausweises für die\n"
        "Zone B (Kirchstraße). Die erforderlichen Unterlagen reiche ich nach.\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "Max Mustermann\n"
    )
    m = demail(
        "redirected.eml",
        date_=date(2024, 4, 2, 10, 11, 45, CEST),
        from_=f'"Max Mustermann" <{MAX}>',
        to=f'"Gemeinde Altdorf" <{ALTDORF}>',
        subject=q_words("Antrag auf Anwohnerparkausweis – Zone B"),
        msgid="20240402101145.3e5f60@mx.dmda-a.de-mail.de",
        options={"dispatch": "no", "receipt": "yes", "retrieve": "no",
                 "authoritative": "no", "private": "no"},
        sender=MAX, chosen=recipients(to=[ALTDORF]),
        actual=recipients(to=[NEUSTADT]),
        auth_mech="password", auth_level="normal",
        provider=MX_A, mtype="normal",
        account_holder="Max Mustermann",
        body=qp_body(text),
    )
    # Redirect (Nachsendung, TR 01201-3.4 §3.3) after the Altdorf account was
    # terminated; the redirecting PVD also records Resent-* fields.
    top = [
        ("Resent-Date", date(2024, 4, 2, 10, 11, 49, CEST)),
        ("Resent-From", ALTDORF),
        ("Resent-To", NEUSTADT),
        ("Resent-Message-ID", "<20240402101149.ns.7d20b3@mx.dmda-b.de-mail.de>"),
    ]
    m.fields[0:0] = [list(x) for x in top]
    return m


# ---------------------------------------------------------------------------
# Build everything
# ---------------------------------------------------------------------------

def build():
    S = "TR 01201-3.4"
    A = "TR 01201-2.1"

    # ---- valid -----------------------------------------------------------
    emit(normal_eml(), "normal.eml", "normal", "no", 0, [],
         f"Rich normal message: all options, name-addr recipients with cc, Reply-To, private-id, signed; {S} §3.1.1 Table 1.")
    emit(normal_minimal_eml(), "normal-minimal.eml", "normal", "no", 0, [],
         f"Only the Table 1 XX fields for N, options all no, pseudonym sender; {S} §3.1.1.")
    emit(normal_attachment_eml(), "normal-attachment.eml", "normal", "no", 0, [],
         f"multipart/mixed with a base64 PDF; retrieve option with private and high; {S} §3.4.")
    emit(normal_mixed_case_eml(), "normal-mixed-case-names.eml", "normal", "no", 0, [],
         f"Header names in mixed case must be matched case-insensitively; {S} §3.1.")
    emit(confirmation_dispatch_eml(), "confirmation-dispatch.eml", "confirmation", "no", 0, [],
         f"Dispatch confirmation for normal.eml (private and private-id copied); {S} §3.5.1.")
    emit(confirmation_receipt_eml(), "confirmation-receipt.eml", "confirmation", "no", 0, [],
         f"Receipt confirmation to sender with cc to the recipient; {S} §3.5.1.")
    emit(confirmation_retrieve_eml(), "confirmation-retrieve.eml", "confirmation", "no", 0, [],
         f"Retrieval confirmation for normal-attachment.eml, always private=yes; {S} §3.5.1.")
    emit(malware_acknowledge_eml(), "malware-acknowledge.eml", "confirmation", "no", 0, [],
         f"malware-acknowledge confirmation from Schadsoftware-Warnung@; {S} §3.1.12.")
    emit(notification_eml(), "notification.eml", "notification", "no", 0, [],
         f"Notification with notification-type unknown-recipient from Meldung@; {S} §3.1.20.")
    emit(malware_notification_eml(), "malware-notification.eml", "notification", "no", 0, [],
         f"malware-notification (column M) with notification-type other; {S} §3.1.12, §3.1.20.")
    emit(ident_eml(), "ident.eml", "ident", "no", 0, [],
         f"Ident confirmation: private=yes, certificate, no private-id; {S} §3.1.1 Table 1 column I.")
    emit(forwarded_eml(), "forwarded.eml", "normal", "yes", 0, [],
         f"Auto-forwarded: Resent-*, Envelope-to, actual-recipient rewritten; {S} §3.2.")
    emit(redirected_eml(), "redirected.eml", "normal", "yes", 0, [],
         f"Redirected (Nachsendung): actual-recipient rewritten, Resent-* present; {S} §3.3.")

    m = base_normal("duplicate-header-first-wins.eml", msgid_tag="d0b1e5", minute=1)
    m.insert_after("x-de-mail-account-holder", "x-de-mail-private", "yes")
    emit(m, "duplicate-header-first-wins.eml", "normal", "no", 0, [],
         f"x-de-mail-private twice (no, then yes): the first wins and a warning is given; {S} §3.1.1.")

    m = base_normal("private-id-1024.eml", msgid_tag="p1024a", minute=2,
                    private_id=private_id_of_length(1024))
    emit(m, "private-id-1024.eml", "normal", "no", 0, [],
         f"private-id of exactly 1024 characters is allowed; {S} §3.1.17.")

    m = base_normal("non-utf8.eml", msgid_tag="l1a7e4", minute=3)
    m.set("Subject", b"Wohnungsabnahme am 28. M\xe4rz")
    emit(m, "non-utf8.eml", "normal", "no", 0, [],
         f"Raw ISO-8859-1 bytes (0xE4) in Subject: decoded lossily with a warning; {S} §3.1.")

    m = base_normal("header-only.eml", msgid_tag="h0n1y2", minute=4)
    m.blank_line = False
    emit(m, "header-only.eml", "normal", "no", 0, [],
         f"Valid normal message with no body and no blank line after the header; {S} §3.1.1.")

    # ---- broken (exactly one defect each) --------------------------------
    m = base_normal("missing-account-holder.eml", msgid_tag="ma0001", minute=5)
    m.remove("x-de-mail-account-holder")
    emit(m, "missing-account-holder.eml", "normal", "no", 1, ["required-field"],
         f"Normal message without x-de-mail-account-holder (XX for N); {S} §3.1.19.")

    m = base_normal("missing-sender.eml", msgid_tag="ms0002", minute=6)
    m.remove("x-de-mail-sender")
    emit(m, "missing-sender.eml", "normal", "no", 1, ["required-field"],
         f"Normal message without x-de-mail-sender (XX for N); {S} §3.1.7.")

    m = base_normal("bad-yes-no.eml", msgid_tag="yn0003", minute=7, auth_level="high",
                    auth_mech="nPA")
    m.set("x-de-mail-private", "Yes")
    emit(m, "bad-yes-no.eml", "normal", "no", 1, ["invalid-value"],
         f"x-de-mail-private: Yes (values are case-sensitive yes/no); {S} §3.1.6.")

    dup = f"to={ERIKA}; to={ERIKA2}"
    m = base_normal("duplicate-to-element.eml", msgid_tag="dt0004", minute=8,
                    chosen=dup)
    emit(m, "duplicate-to-element.eml", "normal", "no", 1, ["invalid-value"],
         f"chosen-recipient uses the to element twice (actual-recipient equal); {S} §3.1.8 Table 8.")

    empty_cc = f"to={ERIKA}; cc="
    m = base_normal("empty-cc-element.eml", msgid_tag="ec0005", minute=9,
                    chosen=empty_cc)
    emit(m, "empty-cc-element.eml", "normal", "no", 1, ["invalid-value"],
         f"chosen-recipient with an empty cc element (must be omitted); {S} §3.1.8.")

    m = base_normal("private-id-1025.eml", msgid_tag="p1025b", minute=10,
                    private_id=private_id_of_length(1025))
    emit(m, "private-id-1025.eml", "normal", "no", 1, ["private-id-too-long"],
         f"private-id of 1025 characters exceeds the 1024 limit; {S} §3.1.17.")

    m = base_normal("bad-address.eml", msgid_tag="ba0006", minute=11, from_=MAX)
    m.set("x-de-mail-sender", "max.mustermann.dmda-a.de-mail.de")
    emit(m, "bad-address.eml", "normal", "no", 1, ["invalid-value"],
         f"x-de-mail-sender is not an addr-spec (no @); {S} §3.1.7.")

    up = "Erika.Mustermann@dmda-a.de-mail.de"
    m = base_normal("uppercase-address.eml", sender=up, account_holder="Erika Mustermann",
                    to_addr=MAX, msgid_tag="ua0007", minute=12)
    emit(m, "uppercase-address.eml", "normal", "no", 1, ["address-not-lower-case"],
         f"Sender address with capitals in x-de-mail-sender and From; {A} §2.1.3.")

    pnd = "pn_max.mustermann@dmda-a.de-mail.de"
    m = base_normal("pseudonym-with-dot.eml", sender=pnd, account_holder="max.mustermann",
                    msgid_tag="pd0008", minute=13)
    emit(m, "pseudonym-with-dot.eml", "normal", "no", 1, ["pseudonym-label-has-dot"],
         f"Pseudonym label containing a dot (pn_max.mustermann); {A} §2.1.1.")

    lp65 = "karl-theodor_maria_nikolaus_johann_jacob_philipp.mustermann-kunze"
    assert len(lp65) == 65, len(lp65)
    m = base_normal("local-part-65.eml", sender=lp65 + "@dmda-a.de-mail.de",
                    account_holder="Karl-Theodor Maria Nikolaus Johann Jacob Philipp Mustermann-Kunze",
                    msgid_tag="lp0009", minute=14)
    emit(m, "local-part-65.eml", "normal", "no", 1, ["address-too-long"],
         f"Sender local part of 65 characters exceeds 64; {A} §2.1.3.")

    m = base_normal("authoritative-pseudonym.eml", sender=KATZE, account_holder="katze",
                    to_addr=MAX, msgid_tag="ap0010", minute=15, auth_level="high",
                    auth_mech="nPA", signed=True, provider=MX_B,
                    options={"dispatch": "no", "receipt": "no", "retrieve": "no",
                             "authoritative": "yes", "private": "no"})
    emit(m, "authoritative-pseudonym.eml", "normal", "no", 1, ["authoritative-from-pseudonym"],
         f"authoritative=yes sent from a pseudonym address; {S} §3.1.5 and PVD FU Schritt 21.")

    m = base_normal("private-needs-high.eml", msgid_tag="pn0011", minute=16,
                    options={"dispatch": "no", "receipt": "no", "retrieve": "no",
                             "authoritative": "no", "private": "yes"})
    emit(m, "private-needs-high.eml", "normal", "no", 1, ["option-needs-high-auth"],
         f"private=yes with auth-level normal; {S} §3.1.6 and PVD FU Schritt 19.")

    m = base_normal("retrieve-needs-private.eml", sender=STADT, account_holder="Stadt Musterstadt",
                    to_addr=MAX, msgid_tag="rp0012", minute=17, auth_level="high",
                    auth_mech="smartcard",
                    options={"dispatch": "no", "receipt": "no", "retrieve": "yes",
                             "authoritative": "no", "private": "no"})
    emit(m, "retrieve-needs-private.eml", "normal", "no", 1, ["retrieve-needs-private"],
         f"confirmation-of-retrieve=yes without private=yes; {S} §3.1.4 and PVD FU Schritt 23.")

    m = base_normal("actual-differs-not-forwarded.eml", msgid_tag="ad0013", minute=18,
                    actual=recipients(to=[ERIKA2]))
    emit(m, "actual-differs-not-forwarded.eml", "normal", "no", 1, ["actual-recipient-differs"],
         f"actual-recipient differs from chosen-recipient without forwarding; {S} §3.1.15.")

    m = confirmation_dispatch_eml("confirmation-with-option.eml", extra_option=True)
    m.set("Message-ID", "<20240312091506.c0d1e3.vb@mx.dmda-a.de-mail.de>")
    m.set("x-de-mail-message-id", "20240312091506.c0d1e3.vb@mx.dmda-a.de-mail.de")
    emit(m, "confirmation-with-option.eml", "confirmation", "no", 1, ["forbidden-field"],
         f"Dispatch confirmation carrying x-de-mail-confirmation-of-dispatch (empty in column B); {S} §3.1.1.")

    emit(notification_eml("notification-missing-type.eml", with_type=False),
         "notification-missing-type.eml", "notification", "no", 1, ["required-field"],
         f"Notification without x-de-mail-notification-type (XX for M); {S} §3.1.20.")

    m = base_normal("notification-type-in-normal.eml", msgid_tag="nn0014", minute=19)
    m.insert_after("x-de-mail-account-holder", "x-de-mail-notification-type", "other")
    emit(m, "notification-type-in-normal.eml", "normal", "no", 1, ["forbidden-field"],
         f"Normal message carrying x-de-mail-notification-type (empty in column N); {S} §3.1.20.")

    m = confirmation_dispatch_eml("message-type-dashes.eml", mtype="confirmation-of-dispatch")
    m.set("Message-ID", "<20240312091506.c0d1e4.vb@mx.dmda-a.de-mail.de>")
    m.set("x-de-mail-message-id", "20240312091506.c0d1e4.vb@mx.dmda-a.de-mail.de")
    emit(m, "message-type-dashes.eml", "-", "no", 1, ["invalid-value"],
         f"Message type confirmation-of-dispatch (the value has spaces); {S} §3.1.12 Table 12.")

    m = confirmation_dispatch_eml("wrong-system-sender.eml")
    m.set("From", "max.mustermann@dmda-a.de-mail.de")
    m.set("x-de-mail-sender", "max.mustermann@dmda-a.de-mail.de")
    m.set("Message-ID", "<20240312091506.c0d1e5.vb@mx.dmda-a.de-mail.de>")
    m.set("x-de-mail-message-id", "20240312091506.c0d1e5.vb@mx.dmda-a.de-mail.de")
    emit(m, "wrong-system-sender.eml", "confirmation", "no", 1, ["wrong-system-sender"],
         "Dispatch confirmation from a user address instead of Versandbestaetigung@; TR 01201-3.1 §4.3.")

    m = confirmation_retrieve_eml()
    m.set("x-de-mail-private", "no")
    m.set("Message-ID", "<20240315190451.2f7a89.ab@mx.dmda-a.de-mail.de>")
    m.set("x-de-mail-message-id", "20240315190451.2f7a89.ab@mx.dmda-a.de-mail.de")
    emit(m, "retrieve-confirmation-not-private.eml", "confirmation", "no", 1,
         ["retrieve-confirmation-not-private"],
         "Retrieve confirmation with private=no (always private=yes); TR 01201-3.1 Funktion 1.")

    m = base_normal("version-unknown.eml", msgid_tag="vu0015", minute=20, version="1.3")
    emit(m, "version-unknown.eml", "normal", "no", 1, ["unknown-version"],
         f"x-de-mail-version 1.3 is not a known version (kept, but reported); {S} §3.1.16 Table 17.")

    m = base_normal("cr-without-lf.eml", msgid_tag="cr0016", minute=21)
    data = m.render()
    marker = b"Subject: " + SUBJ_TERMIN.encode() + b"\r\n"
    assert data.count(marker) == 1
    data = data.replace(marker, marker[:-1])
    emit(data, "cr-without-lf.eml", "-", "no", 2, [],
         f"Subject line ends in a bare CR inside the header section, rejected as malformed; {S} §3.1 (RFC 2822 §2.2).")

    junk = b"\x89PNG\r\n\x1a\n" + bytes.fromhex("0000000d49484452") + prand("not-a-mail", 240)
    emit(junk, "not-a-mail.eml", "-", "no", 2, [],
         f"PNG signature and binary bytes, no header section at all; {S} §2.1 (a De-Mail is an RFC 2822 message).")


def main():
    build()
    for name, data in FILES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    header = ["file", "kind", "forwarded", "exit", "rules", "comment"]
    rows = [header] + sorted(MANIFEST, key=lambda r: r[0])
    with open(os.path.join(HERE, "MANIFEST.tsv"), "wb") as f:
        for r in rows:
            assert all("\t" not in c and "\n" not in c for c in r)
            f.write(("\t".join(r) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
