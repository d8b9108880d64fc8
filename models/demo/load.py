"""Load the demo event (from the seed plan): ~250 invented delegates in the plan's groups,
the 9 districts, a 250-seat hall, 30 exhibitors with products, 30 awards, the programme."""

from __future__ import annotations

import random
import secrets
from datetime import date, time

from sqlalchemy import select

from models.accounts.models import User
from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.core.names import sort_key
from models.demo import data as D
from models.events.models import Event, Group, ProgrammeItem
from models.events.service import create_event
from models.exhibition.models import Exhibitor, ExhibitTable, Product
from models.guests.badges import issue_missing_badges
from models.guests.models import Attendee
from models.seating.assignment import assign_seats, build_block, rank_seats
from models.units.models import District

DEMO_DATE = date(2025, 5, 22)
REAL_PEOPLE = {"Lê Hữu Hoàng"}  # the plan's signatory: never used as an invented name


class _Names:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set(REAL_PEOPLE)

    def person(self) -> tuple[str, str]:
        while True:
            female = self.rng.random() < 0.42
            name = " ".join(
                [
                    self.rng.choice(D.FAMILY),
                    self.rng.choice(D.MIDDLE_F if female else D.MIDDLE_M),
                    self.rng.choice(D.GIVEN_F if female else D.GIVEN_M),
                ]
            )
            if name not in self.used:
                self.used.add(name)
                return ("Bà" if female else "Ông"), name


def load_demo(*, with_users: bool = True, seed: int = 2025) -> tuple[Event, dict[str, str]]:
    """Create the demo event. Returns (event, {username: password}) for the demo users made
    (random passwords; only users that did not exist yet)."""
    rng = random.Random(seed)
    names = _Names(rng)
    ev = create_event(
        date=DEMO_DATE,
        start_time=time(7, 30),
        planned_seats=250,
        is_demo=True,
        parent_body="UBND TỈNH KHÁNH HÒA",
        issuing_body="SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        **D.EVENT,
    )
    from models.checkin.checkpoints import add_demo

    add_demo(ev.id)  # the exhibition, the award backstage, the documents desk besides the entrance
    groups, districts = _groups_and_districts(ev)
    _programme(ev)
    _hall(ev, groups)
    people, contacts = _people(ev, rng, names, groups, districts)
    stars_seen = _exhibitors(ev, districts, contacts)
    awards = _awards(ev, districts, contacts, people, stars_seen)
    recipients: list[int] = []
    for a in awards:
        if a.recipient_id not in recipients:
            recipients.append(a.recipient_id)
    assign_seats(ev, award_order=recipients)
    issue_missing_badges(ev)
    # booths at tables and their staff (with badges, no hall seat); the award batches on stage
    from models.ceremony.sequence import award_batches
    from models.demo.exhibition import prepare_demo_exhibition

    prepare_demo_exhibition(ev)
    award_batches(ev)
    # district links with quotas and a few nominations waiting for review
    from models.demo.districts import prepare_demo_delegations

    prepare_demo_delegations(ev)

    made = _demo_users() if with_users else {}
    db.session.commit()
    return ev, made


def _groups_and_districts(ev: Event) -> tuple[dict[str, Group], dict[str, District]]:
    """The plan's groups and districts (with their exhibition tables), by code."""
    groups = {}
    for code, name, name_en, colour, prio, flags in D.GROUPS:
        g = Group(event_id=ev.id, code=code, name=name, name_en=name_en, color=colour, priority=prio, **flags)
        db.session.add(g)
        groups[code] = g
    districts = {}
    for i, (code, name, kind, tables) in enumerate(D.DISTRICTS):
        d = District(
            event_id=ev.id,
            code=code,
            name=name,
            kind=kind,
            sort_order=i,
            exhibit_area=f"Khu {chr(65 + i)}",
            table_count=tables,
        )
        db.session.add(d)
        districts[code] = d
    db.session.flush()
    for d in districts.values():
        for n in range(1, d.table_count + 1):
            db.session.add(ExhibitTable(district_id=d.id, number=n, label=f"{d.exhibit_area}-{n}"))
    return groups, districts


def _programme(ev: Event) -> None:
    for i, (start, minutes, title, title_en, kind, speaker) in enumerate(D.PROGRAMME):
        h, m = map(int, start.split(":"))
        db.session.add(
            ProgrammeItem(
                event_id=ev.id,
                position=i + 1,
                title=title,
                title_en=title_en,
                speaker=speaker,
                planned_start=time(h, m),
                planned_minutes=minutes,
                kind=kind,
            )
        )


def _hall(ev: Event, groups: dict[str, Group]) -> None:
    # The hall: three blocks facing the stage, 250 seats.
    g = groups
    build_block(
        ev,
        code="B",
        name="Khu giữa",
        rows=10,
        seats_per_row=11,
        x=9,
        side="centre",
        groups=[
            g["lanh-dao-tinh"],
            g["so-nganh"],
            g["hoi-dong-ocop"],
            g["don-vi"],
            g["hoi-doan-the"],
            g["lanh-dao-huyen"],
        ],
    )
    build_block(
        ev,
        code="A",
        name="Khu trái",
        rows=10,
        seats_per_row=7,
        x=0,
        side="left",
        aisle="last",
        groups=[g["chu-the-ocop"], g["doanh-nghiep"]],
    )
    build_block(
        ev,
        code="C",
        name="Khu phải",
        rows=10,
        seats_per_row=7,
        x=22,
        side="right",
        aisle="first",
        groups=[g["bao-chi"], g["sieu-thi"], g["phong-nn-huyen"], g["ubnd-xa"]],
    )
    rank_seats(ev)


def _people(
    ev: Event, rng: random.Random, names: _Names, groups: dict[str, Group], districts: dict[str, District]
) -> tuple[list[Attendee], dict[str, Attendee]]:
    """The invented delegates, group by group; (everyone, the exhibitors' contacts by entity)."""
    people: list[Attendee] = []

    def add(
        group: str,
        position: str,
        organisation: str,
        precedence: int,
        district: str | None = None,
        honorific: str | None = None,
    ) -> Attendee:
        hon, name = names.person()
        a = Attendee(
            event_id=ev.id,
            honorific=honorific or hon,
            full_name=name,
            position=position,
            organisation=organisation,
            group_id=groups[group].id,
            district_id=districts[district].id if district else None,
            phone="09" + "".join(str(rng.randrange(10)) for _ in range(8)),
            precedence=precedence,
            source="demo",
        )
        a.external_key = f"demo-{len(people) + 1:04d}"
        a.refresh_keys()
        db.session.add(a)
        people.append(a)
        return a

    _officials(add, rng)
    contacts = _businesses(add, rng)
    db.session.flush()
    return people, contacts


def _officials(add, rng: random.Random) -> None:
    """The province's leaders, departments, council, mass organisations, district and commune
    officials (``add`` puts one person on the list)."""
    ubnd = "UBND tỉnh Khánh Hòa"
    add("lanh-dao-tinh", "Chủ tịch UBND tỉnh", ubnd, 1, honorific="Đồng chí")
    add("lanh-dao-tinh", "Phó Chủ tịch UBND tỉnh", ubnd, 2, honorific="Đồng chí")
    add("lanh-dao-tinh", "Phó Chủ tịch UBND tỉnh", ubnd, 3, honorific="Đồng chí")
    add("lanh-dao-tinh", "Phó Chánh Văn phòng UBND tỉnh", "Văn phòng UBND tỉnh", 4)
    for i, dep in enumerate(D.DEPARTMENTS):
        add("so-nganh", "Giám đốc" if i < 10 else "Chánh Văn phòng", dep, 10 + i)
        add("so-nganh", "Phó Giám đốc" if i < 10 else "Phó Chánh Văn phòng", dep, 30 + i)
    for i in range(12):
        add(
            "hoi-dong-ocop",
            "Thành viên Hội đồng đánh giá, xếp hạng sản phẩm OCOP tỉnh"
            if i < 8
            else "Thành viên Tổ tư vấn giúp việc Hội đồng",
            D.DEPARTMENTS[i % 6],
            60 + i,
        )
    for org in ("Liên minh Hợp tác xã tỉnh", "Ngân hàng Nhà nước Việt Nam chi nhánh Khu vực 10"):
        add("don-vi", "Phó Chủ tịch" if "Liên minh" in org else "Phó Giám đốc", org, 80)
        add("don-vi", "Trưởng phòng", org, 90)
    for org in D.MASS_ORGS:
        add("hoi-doan-the", "Phó Chủ tịch" if "Đoàn" not in org else "Phó Bí thư", org, 95)
        add("hoi-doan-the", "Trưởng ban", org, 110)
    for code, name, kind, _t in D.DISTRICTS:
        add(
            "lanh-dao-huyen",
            f"Phó Chủ tịch UBND {name.split(' ', 1)[1] if kind == 'huyện' else name}",
            f"UBND {name}",
            100,
            district=code,
        )
        add("phong-nn-huyen", "Trưởng phòng Nông nghiệp và Môi trường", f"UBND {name}", 200, district=code)
    communes = [(d, c) for d, cs in D.COMMUNES.items() for c in cs]
    for d, c in communes[:36]:
        add(
            "ubnd-xa",
            "Chủ tịch UBND xã" if rng.random() < 0.6 else "Phó Chủ tịch UBND xã",
            f"UBND xã {c}",
            300,
            district=d,
        )


def _businesses(add, rng: random.Random) -> dict[str, Attendee]:
    """The OCOP producers (the exhibitors' contacts first), businesses, supermarkets and press;
    returns the exhibitors' contacts by entity."""
    contacts: dict[str, Attendee] = {}
    for dcode, _kind, entity, title, _products in D.EXHIBITORS:
        contacts[entity] = add("chu-the-ocop", title, entity, 500, district=dcode)
    extra_kinds = ["HTX Nông nghiệp", "Hộ kinh doanh", "Tổ hợp tác", "Công ty TNHH"]
    for i in range(40):
        dcode = D.DISTRICTS[i % 8][0]
        place = D.COMMUNES[dcode][i % len(D.COMMUNES[dcode])]
        kind = extra_kinds[i % 4]
        add(
            "chu-the-ocop",
            {
                "HTX Nông nghiệp": "Chủ nhiệm HTX",
                "Hộ kinh doanh": "Chủ hộ",
                "Tổ hợp tác": "Tổ trưởng",
                "Công ty TNHH": "Giám đốc",
            }[kind],
            f"{kind} {place}" + ("" if i < 30 else f" {i - 29}"),
            500,
            district=dcode,
        )
    sme_trades = ["Chế biến hải sản", "Nông sản sạch", "Thực phẩm", "Thủ công mỹ nghệ", "Dịch vụ"]
    for i in range(50):
        dcode = D.DISTRICTS[i % 8][0]
        place = D.COMMUNES[dcode][(i // 8) % len(D.COMMUNES[dcode])]
        trade = sme_trades[i % 5]
        org = f"HTX {trade} {place}" if i % 3 == 0 else f"Công ty TNHH {trade} {place}"
        add("doanh-nghiep", "Giám đốc" if "Công ty" in org else "Chủ nhiệm HTX", org, 600, district=dcode)
    for org in D.SUPERMARKETS:
        add("sieu-thi", "Giám đốc", org, 650)
        add("sieu-thi", "Trưởng bộ phận thu mua", org, 660)
    for i in range(18):
        add("bao-chi", "Phóng viên" if i % 3 else "Biên tập viên", D.PRESS[i % len(D.PRESS)], 700)
    return contacts


def _exhibitors(
    ev: Event, districts: dict[str, District], contacts: dict[str, Attendee]
) -> dict[int, list[tuple[Product, Exhibitor]]]:
    """The exhibitors with their products; the starred products by stars."""
    # Exhibitors with products.
    stars_seen: dict[int, list[tuple[Product, Exhibitor]]] = {3: [], 4: [], 5: []}
    for n, (dcode, kind, entity, _title, products) in enumerate(D.EXHIBITORS):
        contact = contacts[entity]
        ex = Exhibitor(
            event_id=ev.id,
            name=entity,
            kind=kind,
            district_id=districts[dcode].id,
            address=f"{D.COMMUNES[dcode][n % len(D.COMMUNES[dcode])]}, {districts[dcode].name}",
            contact_name=contact.full_name,
            phone=contact.phone,
            needs_power=n % 3 == 0,
            needs_cold=n % 5 == 0,
            status="approved" if n % 6 else "registered",
        )
        db.session.add(ex)
        for pname, pgroup, stars in products:
            p = Product(
                name=pname,
                ocop_group=pgroup,
                stars=stars,
                decision_no=(f"{100 + n}/QĐ-{'BNNMT' if stars == 5 else 'UBND'}" if stars else ""),
                decision_date=date(2024, 6 + n % 6, 10 + n % 15) if stars else None,
            )
            ex.products.append(p)
            if stars:
                stars_seen[stars].append((p, ex))
    db.session.flush()
    return stars_seen


def _awards(
    ev: Event,
    districts: dict[str, District],
    contacts: dict[str, Attendee],
    people: list[Attendee],
    stars_seen: dict[int, list[tuple[Product, Exhibitor]]],
) -> list[Award]:
    """The award tiers and the 30 awards, in ceremony order."""
    tiers = {}
    for i, (code, name, name_en, stars, kind, by) in enumerate(D.TIERS):
        t = AwardTier(
            event_id=ev.id,
            code=code,
            name=name,
            name_en=name_en,
            stars=stars,
            kind=kind,
            recognised_by=by,
            sort_order=i + 1,
        )
        db.session.add(t)
        tiers[stars] = t
    db.session.flush()
    wanted = {5: 1, 4: 4, 3: 25}
    awards: list[Award] = []
    for stars, count in wanted.items():
        for p, ex in stars_seen[stars][:count]:
            awards.append(
                Award(
                    event_id=ev.id,
                    tier_id=tiers[stars].id,
                    product_name=p.name,
                    entity_name=ex.name,
                    district_id=ex.district_id,
                    product_id=p.id,
                    recipient_id=contacts[ex.name].id,
                    decision_no=p.decision_no,
                )
            )
    dorder = {d.id: d.sort_order for d in districts.values()}
    awards.sort(
        key=lambda a: (tiers_order(a, tiers), dorder.get(a.district_id, 99), sort_key(contacts_name(a, people)))
    )
    for i, a in enumerate(awards):
        a.position = i
        db.session.add(a)
    db.session.flush()
    return awards


def _demo_users() -> dict[str, str]:
    """The demo users (admin, desk, mc) not there yet: {username: random password}."""
    made: dict[str, str] = {}
    for username, role, display in (
        ("admin", "admin", "Quản trị (demo)"),
        ("desk", "desk", "Bàn đón tiếp (demo)"),
        ("mc", "mc", "Người dẫn chương trình (demo)"),
    ):
        if db.session.scalar(select(User).where(User.username == username)) is None:
            password = secrets.token_urlsafe(9)
            u = User(username=username, role=role, display_name=display)
            u.set_password(password)
            db.session.add(u)
            made[username] = password
    return made


def tiers_order(a: Award, tiers: dict[int, AwardTier]) -> int:
    return next(t.sort_order for t in tiers.values() if t.id == a.tier_id)


def contacts_name(a: Award, people: list[Attendee]) -> str:
    return next((p.full_name for p in people if p.id == a.recipient_id), "")
