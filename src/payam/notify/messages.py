"""The words around a one-time code, in Persian (the default) and English.

The code stays in ASCII digits even in Persian text, so that phones can offer to fill it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from payam.models.auth import OtpPurpose
from payam.notify.email import EmailMessage

DEFAULT_LOCALE = "fa"


@dataclass(frozen=True, slots=True)
class _Wording:
    sms: str
    subject: str
    email_lead: str


_WORDING: dict[str, dict[OtpPurpose, _Wording]] = {
    "fa": {
        OtpPurpose.VERIFY_PHONE: _Wording(
            sms="کد تأیید شماره موبایل در پیام: {code}",
            subject="کد تأیید شماره موبایل در پیام",
            email_lead="برای تأیید شماره موبایل خود در پیام، این کد را وارد کنید:",
        ),
        OtpPurpose.VERIFY_EMAIL: _Wording(
            sms="کد تأیید ایمیل در پیام: {code}",
            subject="کد تأیید ایمیل در پیام",
            email_lead="برای تأیید نشانی ایمیل خود در پیام، این کد را وارد کنید:",
        ),
        OtpPurpose.PASSWORD_RESET: _Wording(
            sms="کد بازیابی رمز عبور پیام: {code}",
            subject="بازیابی رمز عبور پیام",
            email_lead="برای انتخاب رمز عبور تازه در پیام، این کد را وارد کنید:",
        ),
        OtpPurpose.LOGIN: _Wording(
            sms="کد ورود به پیام: {code}",
            subject="کد ورود به پیام",
            email_lead="برای ورود به پیام، این کد را وارد کنید:",
        ),
    },
    "en": {
        OtpPurpose.VERIFY_PHONE: _Wording(
            sms="Your Payam phone verification code: {code}.",
            subject="Verify your phone number for Payam",
            email_lead="Enter this code in Payam to verify your phone number:",
        ),
        OtpPurpose.VERIFY_EMAIL: _Wording(
            sms="Your Payam email verification code: {code}.",
            subject="Verify your email address for Payam",
            email_lead="Enter this code in Payam to verify your email address:",
        ),
        OtpPurpose.PASSWORD_RESET: _Wording(
            sms="Your Payam password reset code: {code}.",
            subject="Reset your Payam password",
            email_lead="Enter this code in Payam to choose a new password:",
        ),
        OtpPurpose.LOGIN: _Wording(
            sms="Your Payam sign-in code: {code}.",
            subject="Your Payam sign-in code",
            email_lead="Enter this code to sign in to Payam:",
        ),
    },
}


def _language(locale: str) -> str:
    """``en-US`` and ``en_GB`` read as ``en``; a language we have no words for gets Persian."""
    language = locale.replace("_", "-").split("-", 1)[0].lower()
    return language if language in _WORDING else DEFAULT_LOCALE


def _expiry(language: str, ttl_minutes: int) -> str:
    if language == "en":
        unit = "minute" if ttl_minutes == 1 else "minutes"
        return f"It expires in {ttl_minutes} {unit}."
    return f"این کد {ttl_minutes} دقیقه اعتبار دارد."


def _do_not_share(language: str) -> str:
    if language == "en":
        return "Don't share it with anyone."
    return "آن را به کسی ندهید."


def code_message(
    *, code: str, purpose: OtpPurpose, ttl_minutes: int, locale: str = DEFAULT_LOCALE
) -> str:
    """The text of an SMS carrying ``code``."""
    language = _language(locale)
    first_line = _WORDING[language][purpose].sms.format(code=code)
    return f"{first_line}\n{_expiry(language, ttl_minutes)} {_do_not_share(language)}"


def code_email(
    *, to: str, code: str, purpose: OtpPurpose, ttl_minutes: int, locale: str = DEFAULT_LOCALE
) -> EmailMessage:
    """An email carrying ``code`` to ``to``."""
    language = _language(locale)
    wording = _WORDING[language][purpose]
    if language == "en":
        greeting = "Hello,"
        not_you = (
            "Payam staff will never ask you for this code. "
            "If you did not ask for it, ignore this email."
        )
    else:
        greeting = "سلام،"
        not_you = (
            "کارکنان پیام هرگز این کد را از شما نمی‌خواهند. "
            "اگر این درخواست از طرف شما نبوده، این ایمیل را نادیده بگیرید."
        )
    text = (
        f"{greeting}\n\n{wording.email_lead}\n\n    {code}\n\n"
        f"{_expiry(language, ttl_minutes)} {_do_not_share(language)}\n{not_you}\n"
    )
    return EmailMessage(to=to, subject=wording.subject, text=text)
