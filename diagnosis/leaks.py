"""What the person who pasted a credential is told: which kinds were found, that each is compromised, where
to rotate it, and whether the Hugging Face tokens were revoked for them.

Only public prefixes (`hf_`, `ghp_`, ...) ever appear; the text is built from the findings' kinds and
prefixes, never from the secret.
"""
from __future__ import annotations

from dataclasses import dataclass

from .redact import HF_KINDS, UNSCANNED, Redaction, SecretFinding
from .revocation import RevocationStatus

__all__ = ["FOUND_KEPT", "FOUND_REMOVED", "ROTATION", "Rotation", "TITLE_KEPT", "TITLE_RENAMED", "UNCHECKED_KEPT",
           "UNCHECKED_REMOVED", "leak_summary", "leak_warning", "revocation_outcome", "revocation_update",
           "rotation_lines", "summarised"]


@dataclass(frozen=True, slots=True)
class Rotation:
    label: str  # what it is, for a person
    how: str  # where and how to replace it
    noun: str = "token"  # "this token is compromised"


_DEVELOPER_PORTAL = "https://discord.com/developers/applications"

ROTATION: dict[str, Rotation] = {
    "huggingface": Rotation("Hugging Face access token",
                            "delete it and create a new one at https://huggingface.co/settings/tokens"),
    "huggingface_oauth": Rotation("Hugging Face OAuth token",
                                  "revoke the app's access at https://huggingface.co/settings/connected-applications"
                                  " and sign in again"),
    "huggingface_org": Rotation("Hugging Face organization API token",
                                "regenerate it in the organization's settings (https://huggingface.co/settings/organizations)"),
    "discord_bot": Rotation("Discord bot token", f"press Reset Token under Bot at {_DEVELOPER_PORTAL}"),
    "discord_webhook": Rotation("Discord webhook URL",
                                "delete the webhook (Server Settings → Integrations → Webhooks) and make a new one"),
    "openai": Rotation("OpenAI API key", "revoke it at https://platform.openai.com/api-keys"),
    "anthropic": Rotation("Anthropic API key", "delete it at https://console.anthropic.com/settings/keys"),
    "github": Rotation("GitHub token", "revoke it at https://github.com/settings/tokens"),
    "aws_access_key": Rotation("AWS access key",
                               "deactivate and delete it in IAM → Security credentials "
                               "(https://console.aws.amazon.com/iam/home#/security_credentials)"),
    "aws_secret_key": Rotation("AWS secret access key",
                               "delete the access key it belongs to in IAM → Security credentials "
                               "(https://console.aws.amazon.com/iam/home#/security_credentials)"),
    "google_api_key": Rotation("Google API key",
                               "regenerate or delete it at https://console.cloud.google.com/apis/credentials"),
    "slack": Rotation("Slack token", "revoke it and reinstall the app at https://api.slack.com/apps"),
    "slack_webhook": Rotation("Slack webhook URL",
                              "remove it under Incoming Webhooks at https://api.slack.com/apps"),
    "stripe": Rotation("Stripe secret key", "roll it at https://dashboard.stripe.com/apikeys"),
    "telegram_bot": Rotation("Telegram bot token", "send /revoke to @BotFather"),
    "replicate": Rotation("Replicate API token", "disable it at https://replicate.com/account/api-tokens"),
    "groq": Rotation("Groq API key", "delete it at https://console.groq.com/keys"),
    "wandb": Rotation("Weights & Biases API key", "revoke it and create a new one at https://wandb.ai/settings"),
    "private_key": Rotation("private key",
                            "generate a new key pair and remove the old public key everywhere it is trusted "
                            "(for SSH on the Hub: https://huggingface.co/settings/keys)", noun="key"),
    "jwt": Rotation("JSON Web Token", "sign out of that session everywhere, or rotate the secret that signs it"),
    "url_password": Rotation("password in a URL", "change that password at the service the URL points to",
                             noun="password"),
    "auth_header": Rotation("Authorization header credential",
                            "revoke that token or password at the service that issued it"),
    "basic_auth": Rotation("password in a command line (curl -u, mysql -p)",
                           "change that password at the service the command logs in to", noun="password"),
    "secret_assignment": Rotation("password or secret", "change it at the service it belongs to", noun="secret"),
    # redact() hid a message it could not check (see diagnosis/redact.py): it may hold anything
    UNSCANNED: Rotation("the rest of your message", "it could not be checked, so it was hidden: if it held a key "
                        "or password, rotate that key or password", noun="text"),
}

_HF_STATUS = {
    RevocationStatus.REVOKED: "I have had it revoked on the Hub (its owner gets an e-mail).",
    RevocationStatus.PENDING: ("I am having it revoked on the Hub right now (its owner gets an e-mail) and will "
                               "confirm here once it is."),
    RevocationStatus.FAILED: "Automatic revocation failed: revoke it yourself now.",
    None: "It was not revoked automatically: revoke it yourself now.",
}


# The Discord warnings that need no findings: a check that failed (the message is treated as holding a
# credential), a warning that could not be worded (the generic one), and the lead of a thread title's warning.
UNCHECKED_REMOVED = ("⚠️ **I could not check your message for secrets** (an error on my side), so I removed it "
                     "to be safe. If it held a token, key or password, treat it as compromised and replace it; "
                     "then post your message again without it.")
UNCHECKED_KEPT = ("⚠️ **I could not check your message for secrets** (an error on my side) and I cannot delete "
                  "messages here: if it holds a token, key or password, **delete it now** and replace that "
                  "credential.")
FOUND_REMOVED = ("⚠️ **Your message held a token, key or password.** I removed it, but anyone who saw it may "
                 "already have copied it: treat it as compromised and replace it.")
FOUND_KEPT = ("⚠️ **Your message holds a token, key or password** and I cannot delete messages here: **delete it "
              "now**, and replace that credential: anyone who saw it may already have copied it.")
TITLE_RENAMED = ("📝 **Your post's title held a credential:** I renamed the post so that it no longer shows, but "
                 "anyone who saw the title may already have copied it.")
TITLE_KEPT = ("📝 **Your post's title holds a credential** and I cannot rename posts here: **edit the title now** "
              "(… → Edit Post) — and even then, anyone who saw it may already have copied it.")


def leak_warning(redaction: Redaction, revocation: RevocationStatus | None = None, *,
                 removed: bool = True) -> str | None:
    """The warning to post for a message that held credentials (Discord Markdown); None when it held none.

    `revocation` is the state of the message's Hugging Face tokens, None when no automatic revocation was
    attempted; `removed` says whether the bot could delete the message.
    """
    if not redaction.findings:
        return None
    count = sum(1 for f in redaction.findings if f.kind != UNSCANNED)
    them = "them" if count > 1 else "it"
    found = (f"⚠️ **Your message contained {count} credential{'s' if count > 1 else ''}.**" if count else
             "⚠️ **Your message could not be checked for credentials.**")
    if removed:
        lines = [f"{found} I removed {them}, but anyone who saw the message may already have copied {them}; "
                 "deleting it does not help."]
    else:
        lines = [f"{found} I cannot delete messages here: **delete yours now** — and even then, anyone who saw "
                 f"it may already have copied {them}."]
    lines += rotation_lines(redaction, revocation)
    lines.append("Keep keys in your Space's **Settings → Variables and secrets**, never in code or chat.")
    return "\n".join(lines)


def rotation_lines(redaction: Redaction, revocation: RevocationStatus | None = None) -> list[str]:
    """One Markdown line per kind found: what it is (public prefix only), that it is compromised, how to rotate
    it, and for Hugging Face tokens whether they were revoked. Shared by every place the bot warns (Discord,
    Discourse)."""
    lines = []
    for kind in redaction.kinds:
        rotation = ROTATION[kind]
        prefixes = sorted({f.prefix for f in redaction.findings if f.kind == kind and f.prefix})
        shown = ", ".join(f"`{p}…`" for p in prefixes if not p.startswith("-----"))
        compromised = f"**this {rotation.noun} is compromised** — " if kind != UNSCANNED else ""
        line = f"• **{rotation.label}**{f' ({shown})' if shown else ''}: {compromised}{rotation.how}."
        if kind in HF_KINDS:
            line += " " + _HF_STATUS[revocation]
        lines.append(line)
    return lines


def revocation_update(text: str, revocation: RevocationStatus) -> str:
    """A warning that said the revocation was under way, now saying how it ended."""
    return text.replace(_HF_STATUS[RevocationStatus.PENDING], _HF_STATUS[revocation])


def revocation_outcome(revocation: RevocationStatus) -> str:
    """Said on its own once the revocation a warning promised has ended (Markdown, both Discord and Discourse)."""
    if revocation is RevocationStatus.REVOKED:
        return "✅ **Revoked:** the Hugging Face token you posted no longer works (its owner got an e-mail)."
    return ("❌ **I could not get the Hugging Face token you posted revoked**: the Hub did not accept my requests. "
            "**Revoke it yourself now**: delete it and create a new one at https://huggingface.co/settings/tokens.")


def leak_summary(redaction: Redaction) -> list[list[str]]:
    """What a warning needs to be written again later, without the secrets: each finding's kind and public prefix."""
    return [[f.kind, f.prefix] for f in redaction.findings]


def summarised(summary: list[list[str]], text: str = "") -> Redaction:
    """The redaction a `leak_summary` describes (its findings carry no secret), for `leak_warning`."""
    return Redaction(text, tuple(SecretFinding(kind, 0, 0, prefix, "") for kind, prefix in summary))
