"""The adapter against neonize's real objects, which work offline: its event protobufs (as the Go
library sends them) and a client on an SQLite session store."""

from __future__ import annotations

from pathlib import Path

import pytest
from neonize.proto import Neonize_pb2 as proto

from payam.models import MediaKind
from payam.providers.web.client import (
    AccountLost,
    Connected,
    MessageSeen,
    OutgoingMedia,
    Paired,
    ReceiptKind,
    ReceiptSeen,
    SendRefused,
)
from payam.providers.web.neonize_client import NeonizeClient, jid_of, translate


def _jid(user: str, server: str = "s.whatsapp.net", device: int = 0) -> proto.JID:
    return proto.JID(User=user, Server=server, Device=device, RawAgent=0, Integrator=0)


def _wire(event: object) -> object:
    """The event as the Go library hands it over: serialized, then parsed by its type (proto2
    fields the test leaves out are left out on the wire too)."""
    parsed = type(event)()
    parsed.MergeFromString(event.SerializePartialToString())  # type: ignore[attr-defined]
    return parsed


def test_receipts_map_delivered_read_and_played_and_skip_the_rest() -> None:
    def receipt(kind: int) -> object:
        source = proto.MessageSource(Chat=_jid("989120000001"), IsGroup=False)
        return _wire(
            proto.Receipt(
                MessageSource=source,
                MessageIDs=["3EB0A", "3EB0B"],
                Type=kind,
                Timestamp=1_764_590_000,
            )
        )

    delivered = translate(receipt(proto.Receipt.DELIVERED))
    assert isinstance(delivered, ReceiptSeen)
    assert delivered.wa_message_ids == ("3EB0A", "3EB0B")
    assert (delivered.kind, delivered.chat_phone) == (ReceiptKind.DELIVERED, "989120000001")
    read = translate(receipt(proto.Receipt.READ))
    played = translate(receipt(proto.Receipt.PLAYED))
    assert isinstance(read, ReceiptSeen)
    assert isinstance(played, ReceiptSeen)
    assert read.kind is played.kind is ReceiptKind.READ
    assert translate(receipt(proto.Receipt.SENDER)) is None


def test_a_receipt_from_a_lid_chat_takes_the_phone_from_its_alternate() -> None:
    source = proto.MessageSource(
        Chat=_jid("123456789", server="lid"), SenderAlt=_jid("989120000002"), IsGroup=False
    )
    seen = translate(_wire(proto.Receipt(MessageSource=source, MessageIDs=["X"], Type=1)))
    assert isinstance(seen, ReceiptSeen)
    assert seen.chat_phone == "989120000002"


def test_messages_pairing_and_account_losses() -> None:
    info = proto.MessageInfo(
        MessageSource=proto.MessageSource(Chat=_jid("989120000003"), IsFromMe=False),
        ID="IN1",
        Timestamp=1_764_590_000,
    )
    message = proto.Message(Info=info)
    message.Message.conversation = "لغو"
    seen = translate(_wire(message))
    assert isinstance(seen, MessageSeen)
    assert (seen.chat_phone, seen.text, seen.from_me) == ("989120000003", "لغو", False)

    paired = translate(
        _wire(proto.PairStatus(ID=_jid("989121112233", device=12), Status=proto.PairStatus.SUCCESS))
    )
    assert paired == Paired(
        device_jid="989121112233:12@s.whatsapp.net", phone_digits="989121112233"
    )
    assert isinstance(translate(_wire(proto.Connected())), Connected)

    logged_out = translate(_wire(proto.LoggedOut(Reason=proto.LOGGED_OUT)))
    temp_ban = translate(_wire(proto.TemporaryBan(Code=1, Expire=3600)))
    replaced = translate(_wire(proto.StreamReplaced()))
    assert isinstance(logged_out, AccountLost)
    assert not logged_out.banned
    assert isinstance(temp_ban, AccountLost)
    assert temp_ban.banned
    assert "SEND_TO_TOO_MANY_PEOPLE" in temp_ban.reason
    assert isinstance(replaced, AccountLost)
    assert not replaced.banned


def test_device_ids_round_trip_through_neonize_jids() -> None:
    jid = jid_of("989121112233:12@s.whatsapp.net")
    assert (jid.User, jid.Device, jid.Server) == ("989121112233", 12, "s.whatsapp.net")


async def test_a_client_is_built_on_an_sqlite_store_without_a_network(tmp_path: Path) -> None:
    async def ignore(_: object) -> None:
        return None

    store = str(tmp_path / "sender-1.sqlite3")
    linking = NeonizeClient(store=store, device_jid=None, on_event=ignore)
    resuming = NeonizeClient(
        store=store, device_jid="989121112233:12@s.whatsapp.net", on_event=ignore
    )
    assert linking is not resuming


async def test_an_attachment_that_cannot_be_prepared_is_refused_before_anything_leaves(
    tmp_path: Path,
) -> None:
    async def ignore(_: object) -> None:
        return None

    client = NeonizeClient(
        store=str(tmp_path / "sender-1.sqlite3"),
        device_jid="989121112233:12@s.whatsapp.net",
        on_event=ignore,
    )
    broken = OutgoingMedia(MediaKind.VIDEO, b"not a video", "video/mp4", "clip.mp4")

    # neonize reads a video with ffprobe before uploading it: a file it cannot read (or a
    # machine without ffmpeg) fails there, so the send is refused, not left unknown.
    with pytest.raises(SendRefused, match="could not be prepared"):
        await client.send_media("989120000001", broken, "caption")
