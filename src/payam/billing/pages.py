"""The few HTML pages a payer's browser sees: the sandbox bank page and the result page.

They stand until the web app takes over the result page; both are plain, escaped and bilingual.
"""

from __future__ import annotations

from html import escape

from payam.models import Payment, PaymentStatus, SandboxCharge

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem}"
    ".ok{color:#0a7a2f}.no{color:#b00020}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='fa' dir='rtl'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def sandbox_page(charge: SandboxCharge, *, action_base: str) -> str:
    amount = f"{charge.amount:,} {escape(charge.currency)}"
    decided = charge.approved_at is not None or charge.cancelled_at is not None
    buttons = (
        "<p>این تراکنش پیش‌تر تعیین تکلیف شده است. / Already decided.</p>"
        if decided
        else (
            f"<form method='post' action='{escape(action_base)}/approve'>"
            "<button type='submit'>پرداخت / Pay</button></form>"
            f"<form method='post' action='{escape(action_base)}/cancel'>"
            "<button type='submit'>انصراف / Cancel</button></form>"
        )
    )
    return _page(
        "Payam sandbox gateway",
        "<h1>درگاه آزمایشی / Sandbox gateway</h1>"
        "<p>هیچ پولی جابه‌جا نمی‌شود. / No money moves here.</p>"
        f"<p>{escape(charge.description)}</p><p><strong>{amount}</strong></p>{buttons}",
    )


def result_page(payment: Payment, *, invoice_number: str | None) -> str:
    if payment.status is PaymentStatus.PAID:
        body = (
            "<h1 class='ok'>پرداخت موفق / Payment successful</h1>"
            f"<p>کد پیگیری / Reference: <strong>{escape(payment.ref_id or '-')}</strong></p>"
            f"<p>رسید / Invoice: {escape(invoice_number or '-')}</p>"
        )
    elif payment.status is PaymentStatus.FAILED:
        body = (
            "<h1 class='no'>پرداخت ناموفق / Payment failed</h1>"
            f"<p>{escape(payment.failure_reason or '')}</p>"
            "<p>اگر مبلغی کسر شده، ظرف ۷۲ ساعت بازمی‌گردد. / "
            "Any amount taken is returned by the bank within 72 hours.</p>"
        )
    else:
        body = "<h1>در انتظار تأیید / Waiting for the gateway</h1>"
    return _page("Payam payment", f"{body}<p><a href='/'>Payam</a></p>")
