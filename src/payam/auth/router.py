"""Thin HTTP layer for sign-in; the rules live in service.py and otp.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from payam.auth.cookies import (
    REFRESH_COOKIE,
    check_csrf,
    clear_session_cookies,
    set_session_cookies,
)
from payam.auth.dependencies import AuthServiceDep, ClientInfoDep, PrincipalDep
from payam.auth.otp import OtpService
from payam.auth.schemas import (
    LoginRequest,
    OtpRequest,
    OtpRequested,
    OtpVerification,
    OtpVerified,
    RefreshRequest,
    Registration,
    TokenPair,
    to_user_schema,
)
from payam.auth.schemas import User as UserSchema
from payam.auth.service import IssuedSession
from payam.config import Settings
from payam.dependencies import RuntimeDep, SessionDep, SettingsDep
from payam.kit.errors import NotAuthenticated
from payam.kit.problems import problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])


async def get_otp_service(
    session: SessionDep, runtime: RuntimeDep, auth: AuthServiceDep
) -> OtpService:
    return OtpService(
        session, auth=auth, sms_sender=runtime.sms_sender, email_sender=runtime.email_sender
    )


OtpServiceDep = Annotated[OtpService, Depends(get_otp_service)]


def token_response(
    issued: IssuedSession, *, response: Response, settings: Settings, use_cookies: bool
) -> TokenPair:
    if not use_cookies:
        return TokenPair(
            access_token=issued.access.token,
            refresh_token=issued.refresh_token,
            access_expires_at=issued.access.expires_at,
            refresh_expires_at=issued.refresh_expires_at,
            csrf_token=None,
        )
    csrf_token = set_session_cookies(
        response,
        settings=settings,
        session_id=issued.session_id,
        access_token=issued.access.token,
        access_expires_at=issued.access.expires_at,
        refresh_token=issued.refresh_token,
        refresh_expires_at=issued.refresh_expires_at,
    )
    return TokenPair(
        access_token=None,
        refresh_token=None,
        access_expires_at=issued.access.expires_at,
        refresh_expires_at=issued.refresh_expires_at,
        csrf_token=csrf_token,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserSchema,
    responses=problem_responses(409, 429),
)
async def register(
    data: Registration,
    service: AuthServiceDep,
    otp: OtpServiceDep,
    client: ClientInfoDep,
) -> UserSchema:
    """Create an account; a code to verify the phone is sent at once."""
    user = await service.register(data, client=client)
    await otp.send_phone_verification(user)
    return to_user_schema(user)


@router.post("/login", response_model=TokenPair, responses=problem_responses(401, 403, 429))
async def login(
    data: LoginRequest,
    response: Response,
    service: AuthServiceDep,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> TokenPair:
    """Sign in with an e-mail, username or phone number and a password."""
    issued = await service.login(data, client=client)
    return token_response(
        issued, response=response, settings=settings, use_cookies=data.use_cookies
    )


@router.post("/refresh", response_model=TokenPair, responses=problem_responses(401, 403))
async def refresh(
    data: RefreshRequest,
    request: Request,
    response: Response,
    service: AuthServiceDep,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> TokenPair:
    """Trade a refresh token for a new pair; the old one stops working."""
    token = data.refresh_token
    use_cookies = data.use_cookies
    check_session_csrf = None
    if token is None:
        token = request.cookies.get(REFRESH_COOKIE)
        if token is None:
            raise NotAuthenticated(
                "Send refresh_token or the refresh cookie", field="refresh_token"
            )
        use_cookies = True

        def check_session_csrf(session_id: str) -> None:
            check_csrf(request, session_id=session_id, signing_key=settings.signing_key)

    issued = await service.refresh(token, client=client, check_csrf=check_session_csrf)
    return token_response(issued, response=response, settings=settings, use_cookies=use_cookies)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: PrincipalDep,
    service: AuthServiceDep,
    settings: SettingsDep,
    response: Response,
    client: ClientInfoDep,
) -> None:
    """End this session: its access and refresh tokens stop working."""
    await service.logout(principal, client=client)
    clear_session_cookies(response, settings=settings)


@router.post(
    "/otp/request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OtpRequested,
    responses=problem_responses(429),
)
async def request_code(
    data: OtpRequest, otp: OtpServiceDep, settings: SettingsDep, client: ClientInfoDep
) -> OtpRequested:
    """Send a six-digit code. The answer is the same whether or not the account exists."""
    await otp.request_code(data, client=client)
    return OtpRequested(
        detail="If an account matches, a code is on its way",
        expires_in_seconds=settings.otp_ttl_seconds,
    )


@router.post("/otp/verify", response_model=OtpVerified, responses=problem_responses(400, 403, 429))
async def verify_code(
    data: OtpVerification,
    otp: OtpServiceDep,
    response: Response,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> OtpVerified:
    """Use a code: verify a phone or e-mail, reset the password, or sign in."""
    issued = await otp.verify_code(data, client=client)
    tokens = None
    if issued is not None:
        tokens = token_response(
            issued, response=response, settings=settings, use_cookies=data.use_cookies
        )
    return OtpVerified(purpose=data.purpose, tokens=tokens)
