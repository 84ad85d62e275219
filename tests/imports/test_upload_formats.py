from __future__ import annotations

import httpx

from payam.runtime import Runtime
from tests.imports.helpers import (
    campaign_total,
    import_file,
    paste,
    recipients,
    upload,
    wait_for_import,
    xlsx_bytes,
)


async def test_a_csv_with_a_bom_and_semicolons_is_previewed_and_its_columns_guessed(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    content = "\ufeffنام;موبایل;شهر\r\nعلی;09121234567;تهران\r\nSara;+98 912 765 4321;Shiraz\r\n"

    response = await upload(client, headers, campaign_id, content.encode("utf-8"))

    assert response.status_code == 201, response.text
    preview = response.json()
    assert preview["status"] == "UPLOADED"
    assert preview["layout"] == {
        "format": "csv",
        "encoding": "utf-8-sig",
        "delimiter": ";",
        "sheet": None,
        "rows": 3,
    }
    assert preview["has_header"] is True
    assert preview["header"] == ["نام", "موبایل", "شهر"]
    assert preview["columns"] == ["نام", "موبایل", "شهر"]
    assert preview["rows"] == [
        ["علی", "09121234567", "تهران"],
        ["Sara", "+98 912 765 4321", "Shiraz"],
    ]
    assert preview["mapping"] == {
        "phone": "موبایل",
        "name": "نام",
        "variables": {"شهر": "شهر"},
        "has_header": True,
    }


async def test_the_file_keeps_the_name_it_was_sent_with_quotes_included(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    # Browsers, and httpx, send '"' in a file name as %22.
    response = await upload(
        client, headers, campaign_id, b"09121234567\n", filename='لیست "ویژه".csv'
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == 'لیست "ویژه".csv'


async def test_a_tab_separated_file_without_a_header_gets_generated_column_names(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    content = b"09121234567\tAli\tgold\n09127654321\tSara\tsilver\n"

    response = await upload(client, headers, campaign_id, content, filename="list.tsv")

    preview = response.json()
    assert preview["layout"]["delimiter"] == "\t"
    assert preview["layout"]["encoding"] == "utf-8"
    assert preview["has_header"] is False
    assert preview["header"] is None
    assert preview["columns"] == ["col1", "col2", "col3"]
    assert preview["mapping"] == {
        "phone": "col1",
        "name": "col2",
        "variables": {},
        "has_header": False,
    }
    assert len(preview["rows"]) == 2


async def test_an_xlsx_with_numeric_phone_cells_is_imported_with_its_variables(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    content = xlsx_bytes(
        [
            ["Mobile", "Name", "Plan", "Due"],
            [9121234567, "Ali", "gold", 120000],
            [9127654321.0, "Sara", "silver", 99.5],
        ]
    )

    done = await import_file(
        client,
        headers,
        campaign_id,
        content,
        filename="list.xlsx",
        variables={"plan": "Plan", "due": "Due"},
    )

    assert done["status"] == "COMPLETED", done
    assert done["file_format"] == "xlsx"
    assert (done["imported"], done["rejected"], done["progress"]) == (2, 0, 1.0)
    assert await recipients(runtime, campaign_id) == {
        "+989121234567": ("Ali", {"plan": "gold", "due": "120000"}),
        "+989127654321": ("Sara", {"plan": "silver", "due": "99.5"}),
    }
    assert await campaign_total(runtime, campaign_id) == (2, 2)


async def test_pasted_lines_with_persian_digits_are_imported(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    text = "۰۹۱۲۱۲۳۴۵۶۷,علی\n۰۹۱۲ ۷۶۵ ۴۳۲۱\tسارا\n\n+989351112233\n"

    response = await paste(client, headers, campaign_id, text)

    assert response.status_code == 201, response.text
    preview = response.json()
    assert preview["layout"]["format"] == "text"
    assert preview["columns"] == ["col1", "col2"]
    assert preview["rows"][0] == ["۰۹۱۲۱۲۳۴۵۶۷", "علی"]
    mapped = await client.put(
        f"/api/v1/imports/{preview['id']}/mapping",
        json={"phone": "col1", "name": "col2", "has_header": False},
        headers=headers,
    )
    assert mapped.status_code == 202, mapped.text
    done = await wait_for_import(client, headers, preview["id"])
    assert done["status"] == "COMPLETED", done
    assert await recipients(runtime, campaign_id) == {
        "+989121234567": ("علی", {}),
        "+989127654321": ("سارا", {}),
        "+989351112233": (None, {}),
    }
