"""Demo data for the catalogue: a CPV category tree, the suppliers' products with price
breaks and conformance, some changes and claims awaiting review, a few drafts.

Everything goes through the services (so it is validated and audited) as the demo
users of ``accounts.demo``. Idempotent: categories are found by CPV code and products
by SKU; what exists already is left alone.
"""

import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, User
from catalogue import services
from catalogue.categories import CategoryTree
from catalogue.content import ProductContent
from catalogue.models import Category, Product, Unit
from catalogue.pricing import Tier
from standards.models import Standard, StandardVersion, VersionStatus

CATALOGUE_MANAGER = "catalogue@ictco.example"

# (CPV code, slug, name, parent CPV code, standards required). Real CPV 2008 codes.
CATEGORIES: list[tuple[str, str, str, str | None, list[str]]] = [
    ("30200000-1", "computer-equipment", "Computer equipment and supplies", None, ["NC-SEC-001"]),
    ("30213000-5", "personal-computers", "Personal computers", "30200000-1", []),
    ("30213100-6", "portable-computers", "Portable computers", "30213000-5", []),
    ("30213200-7", "tablet-computers", "Tablet computers", "30213000-5", []),
    ("30213300-8", "desktop-computers", "Desktop computers", "30213000-5", []),
    ("30231000-7", "computer-screens", "Computer screens and consoles", "30200000-1", []),
    ("30237200-1", "computer-accessories", "Computer accessories", "30200000-1", []),
    ("32250000-0", "mobile-telephones", "Mobile telephones", None, ["NC-SEC-001"]),
    ("32420000-3", "network-equipment", "Network equipment", None, ["NC-NET-001"]),
    ("32413100-2", "network-routers", "Network routers", "32420000-3", []),
    ("32422000-7", "network-components", "Network components", "32420000-3", []),
    ("38651000-3", "cameras", "Cameras", None, ["NC-SEC-001", "NC-EVD-001"]),
    ("48000000-8", "software", "Software packages and information systems", None, ["NC-IDM-001"]),
    (
        "48311000-1",
        "document-management-software",
        "Document management software",
        "48000000-8",
        [],
    ),
    (
        "48510000-6",
        "communication-software",
        "Communication software",
        "48000000-8",
        ["NC-COM-001"],
    ),
    ("48730000-4", "security-software", "Security software", "48000000-8", []),
    ("72000000-5", "it-services", "IT services", None, []),
    ("72200000-7", "software-services", "Software programming and consultancy", "72000000-5", []),
    ("72253000-3", "helpdesk-services", "Helpdesk and support services", "72000000-5", []),
]

EACH_BREAKS = [(10, "0.96"), (50, "0.92"), (250, "0.88")]
LICENCE_BREAKS = [(100, "0.90"), (1000, "0.80"), (5000, "0.72")]
SERVICE_BREAKS = [(20, "0.95"), (100, "0.90")]


@dataclass(frozen=True)
class Line:
    """A product line: a base name and price, sold in variants."""

    category: str  # CPV code
    name: str
    summary: str
    description: str
    price: str
    variants: list[tuple[str, str]]  # (variant name, price multiplier)
    unit: str = Unit.EACH
    lead_time: int = 14
    breaks: tuple = tuple(EACH_BREAKS)
    claims: tuple[str, ...] = ()  # standards claimed beyond those the category requires


SIZES = [("128 GB", "1.00"), ("256 GB", "1.12"), ("512 GB", "1.30")]
SPECS = [("Core i5, 16 GB", "1.00"), ("Core i7, 32 GB", "1.22"), ("Core i7, 32 GB, 5G", "1.38")]
TIERS = [("Standard", "1.00"), ("Professional", "1.35"), ("Enterprise", "1.70")]

CATALOGUE: dict[str, tuple[str, list[Line]]] = {
    "brightwater": (
        "BW",
        [
            Line(
                "30213100-6",
                "Brightwater Patrol 14 rugged laptop",
                "Fully rugged 14-inch laptop for patrol vehicles",
                "Sealed to IP65 and drop-tested to 1.8 m. Hot-swappable batteries, sunlight-"
                "readable screen, vehicle dock connector and TPM 2.0 with full-disk encryption.",
                "2450.00",
                SPECS,
                lead_time=21,
            ),
            Line(
                "30213100-6",
                "Brightwater Fieldbook 13 semi-rugged laptop",
                "Semi-rugged 13-inch laptop for neighbourhood teams",
                "Magnesium chassis, 12-hour battery, smart-card reader and privacy screen.",
                "1480.00",
                SPECS,
            ),
            Line(
                "30213100-6",
                "Brightwater Office 15 laptop",
                "15-inch business laptop for back-office staff",
                "Slim business laptop with docking over USB-C, Windows 11 Enterprise and "
                "hardware-backed encryption.",
                "920.00",
                SPECS[:2],
            ),
            Line(
                "30213200-7",
                "Brightwater Beat 10 rugged tablet",
                "10-inch rugged tablet with 5G and barcode reader",
                "Glove-touch screen, 5G and Wi-Fi 6, integrated 2D barcode reader for property "
                "and evidence labels.",
                "1290.00",
                SIZES,
            ),
            Line(
                "30213200-7",
                "Brightwater Beat 8 handheld tablet",
                "8-inch handheld tablet for officers on foot",
                "Pocketable rugged tablet with push-to-talk button and hand strap.",
                "780.00",
                SIZES[:2],
            ),
            Line(
                "30213300-8",
                "Brightwater Station small-form-factor desktop",
                "Compact desktop for custody suites and front counters",
                "Small-form-factor PC with vPro management, TPM 2.0 and a lockable chassis.",
                "640.00",
                SPECS[:2],
            ),
            Line(
                "30213300-8",
                "Brightwater Control workstation",
                "Control-room workstation driving four screens",
                "Workstation with four display outputs, redundant power and a 5-year on-site "
                "warranty for control rooms.",
                "1850.00",
                SPECS[:2],
            ),
            Line(
                "30231000-7",
                "Brightwater 24-inch monitor",
                "24-inch full HD monitor",
                "Height-adjustable 24-inch IPS monitor with USB-C power delivery.",
                "165.00",
                [("", "1.00")],
            ),
            Line(
                "30231000-7",
                "Brightwater 27-inch QHD monitor",
                "27-inch QHD monitor",
                "27-inch QHD monitor with built-in KVM switch.",
                "289.00",
                [("", "1.00")],
            ),
            Line(
                "30231000-7",
                "Brightwater 34-inch ultrawide monitor",
                "34-inch curved monitor for control rooms",
                "34-inch curved ultrawide monitor, 24/7 rated.",
                "520.00",
                [("", "1.00")],
            ),
            Line(
                "30237200-1",
                "Brightwater vehicle dock",
                "Locking vehicle dock for Patrol 14",
                "Powered vehicle dock with antenna pass-through and key lock.",
                "410.00",
                [("", "1.00")],
                breaks=tuple(EACH_BREAKS[:2]),
            ),
            Line(
                "30237200-1",
                "Brightwater USB-C docking station",
                "USB-C dock with dual display and Ethernet",
                "100 W USB-C dock with two DisplayPort outputs and gigabit Ethernet.",
                "145.00",
                [("", "1.00")],
            ),
            Line(
                "30213100-6",
                "Brightwater Patrol 12 convertible laptop",
                "12-inch rugged 2-in-1 for officers on foot and in vehicles",
                "Detachable rugged 2-in-1 with active pen, 5G and a smart-card reader.",
                "1980.00",
                SPECS,
            ),
            Line(
                "30237200-1",
                "Brightwater privacy filter",
                "Privacy filter for laptop screens",
                "Magnetic privacy filter that narrows the viewing angle in public places.",
                "39.00",
                [("13-inch", "1.00"), ("14-inch", "1.05"), ("15-inch", "1.10")],
            ),
            Line(
                "30237200-1",
                "Brightwater spare battery",
                "Hot-swap spare battery",
                "Spare hot-swappable battery, 6-cell.",
                "119.00",
                [("Patrol 14", "1.00"), ("Fieldbook 13", "0.90")],
            ),
            Line(
                "30213300-8",
                "Brightwater mini PC",
                "Mini PC for meeting rooms and kiosks",
                "Palm-sized PC that mounts behind a screen; TPM 2.0 and encryption.",
                "480.00",
                [("Core i3", "1.00"), ("Core i5", "1.20")],
            ),
        ],
    ),
    "aldgate-mobile": (
        "AM",
        [
            Line(
                "32250000-0",
                "Aldgate Guardian 5G smartphone",
                "Managed 5G smartphone for frontline officers",
                "Android Enterprise Recommended, 5 years of security updates, hardware key "
                "store and secure messaging pre-configured.",
                "499.00",
                SIZES,
                claims=("NC-COM-001",),
            ),
            Line(
                "32250000-0",
                "Aldgate Guardian Rugged 5G smartphone",
                "Rugged 5G smartphone with programmable emergency key",
                "IP68 and MIL-STD-810H, programmable emergency key, push-to-talk over 5G.",
                "689.00",
                SIZES,
                claims=("NC-COM-001",),
            ),
            Line(
                "32250000-0",
                "Aldgate Essentials 4G phone",
                "Low-cost managed 4G phone for staff",
                "Managed 4G phone for police staff with 3 years of security updates.",
                "189.00",
                SIZES[:2],
            ),
            Line(
                "32250000-0",
                "Aldgate Covert compact phone",
                "Compact 5G phone for covert teams",
                "Small-form 5G phone with hardened configuration and remote wipe.",
                "549.00",
                SIZES[:2],
            ),
            Line(
                "30213200-7",
                "Aldgate Tab 11 managed tablet",
                "11-inch managed tablet for statements and forms",
                "11-inch tablet with stylus for digital statements, managed through the force's "
                "device management.",
                "459.00",
                SIZES,
            ),
            Line(
                "30237200-1",
                "Aldgate rugged phone case",
                "Rugged case with belt clip",
                "Drop-rated case with rotating belt clip for Guardian phones.",
                "34.00",
                [("Guardian", "1.00"), ("Guardian Rugged", "1.20")],
                breaks=tuple(EACH_BREAKS),
            ),
            Line(
                "30237200-1",
                "Aldgate multi-bay charging station",
                "Charges ten phones at once",
                "Ten-bay charging station for shift changes, wall or desk mounted.",
                "285.00",
                [("", "1.00")],
            ),
            Line(
                "30213200-7",
                "Aldgate Tab 8 managed tablet",
                "8-inch managed tablet",
                "Compact managed tablet with 4G for officers on foot.",
                "329.00",
                SIZES[:2],
            ),
            Line(
                "30237200-1",
                "Aldgate in-car phone cradle",
                "Powered phone cradle for vehicles",
                "Powered cradle with wireless charging for patrol vehicles.",
                "79.00",
                [("Guardian", "1.00"), ("Guardian Rugged", "1.15")],
            ),
            Line(
                "30237200-1",
                "Aldgate screen protector",
                "Toughened glass screen protector",
                "Toughened glass protector, pack of two.",
                "14.00",
                [("Guardian", "1.00"), ("Guardian Rugged", "1.10"), ("Tab 11", "1.60")],
                unit=Unit.PACK,
            ),
            Line(
                "32250000-0",
                "Aldgate Guardian 5G smartphone, refurbished",
                "Refurbished managed 5G smartphone",
                "Refurbished, re-certified Guardian with a 2-year warranty.",
                "329.00",
                SIZES[:2],
            ),
        ],
    ),
    "caldera-software": (
        "CS",
        [
            Line(
                "48311000-1",
                "Caldera Case Manager",
                "Case file preparation and disclosure management",
                "Builds case files, tracks disclosure schedules and exports to the Crown "
                "Prosecution Service. Sign-in through the national police identity federation.",
                "18.50",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=10,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "48311000-1",
                "Caldera Records",
                "Records retention and review",
                "Retention schedules and review workflows for police information, with "
                "auditable disposal.",
                "9.75",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=10,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48510000-6",
                "Caldera Secure Messenger",
                "End-to-end encrypted messaging for operations",
                "End-to-end encrypted messaging with central management and retention for "
                "disclosure.",
                "6.40",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48510000-6",
                "Caldera Briefing",
                "Shift briefing and tasking",
                "Digital briefing packs and tasking for response and neighbourhood teams.",
                "4.20",
                TIERS[:2],
                unit=Unit.USER_PER_MONTH,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48000000-8",
                "Caldera Incident Exchange",
                "Share incidents between forces in the common schema",
                "Imports and exports incidents in the network code's common incident schema.",
                "24000.00",
                [("Small force", "1.00"), ("Large force", "1.80")],
                unit=Unit.LICENCE,
                lead_time=30,
                breaks=(),
                claims=("NC-DEX-001",),
            ),
            Line(
                "48730000-4",
                "Caldera Audit Monitor",
                "Protective monitoring of system access",
                "Detects unusual access to police systems and alerts the information "
                "security team.",
                "3.10",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=14,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48000000-8",
                "Caldera Intelligence Workbench",
                "Intelligence analysis",
                "Link analysis, timelines and mapping for intelligence analysts.",
                "42.00",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=21,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48000000-8",
                "Caldera Digital Interview",
                "Interview recording and transcripts",
                "Records interviews, transcribes them and produces exhibits.",
                "22.00",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=21,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-EVD-001",),
            ),
            Line(
                "48000000-8",
                "Caldera Custody",
                "Custody record management",
                "Custody records, risk assessments and detention reviews.",
                "15.00",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=30,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-DEX-001",),
            ),
        ],
    ),
    "dunmore-networks": (
        "DN",
        [
            Line(
                "32413100-2",
                "Dunmore Edge 400 branch router",
                "Branch router for police stations",
                "SD-WAN branch router with dual 5G backup and segmentation for operational, "
                "administrative and guest traffic.",
                "1350.00",
                [("", "1.00"), ("with 5G backup", "1.25")],
                lead_time=28,
            ),
            Line(
                "32413100-2",
                "Dunmore Core 9000 router",
                "Core router for headquarters",
                "Redundant core router with 100 GbE uplinks and hardware encryption.",
                "18500.00",
                [("", "1.00")],
                lead_time=45,
                breaks=((5, "0.95"), (10, "0.92")),
            ),
            Line(
                "32422000-7",
                "Dunmore 48-port access switch",
                "48-port PoE+ access switch",
                "Stackable PoE+ switch with 802.1X and VLANs.",
                "2100.00",
                [("1 GbE", "1.00"), ("2.5 GbE", "1.28")],
                lead_time=21,
            ),
            Line(
                "32422000-7",
                "Dunmore 24-port access switch",
                "24-port PoE+ access switch",
                "Compact PoE+ switch for small stations.",
                "1190.00",
                [("1 GbE", "1.00"), ("2.5 GbE", "1.30")],
                lead_time=21,
            ),
            Line(
                "32422000-7",
                "Dunmore Wi-Fi 6E access point",
                "Indoor Wi-Fi 6E access point",
                "Centrally managed access point with separate operational and guest networks.",
                "395.00",
                [("Indoor", "1.00"), ("Outdoor", "1.45")],
                lead_time=14,
            ),
            Line(
                "32420000-3",
                "Dunmore NGFW 3200 firewall",
                "Next-generation firewall",
                "Firewall with intrusion prevention, logging to "
                "the force's security monitoring and segment policies.",
                "6200.00",
                [("", "1.00"), ("high availability pair", "1.90")],
                lead_time=30,
                breaks=((5, "0.95"), (20, "0.90")),
            ),
            Line(
                "32420000-3",
                "Dunmore vehicle 5G gateway",
                "5G gateway for patrol vehicles",
                "In-vehicle 5G router with Wi-Fi hotspot and GNSS.",
                "890.00",
                [("", "1.00"), ("dual-SIM", "1.12")],
            ),
            Line(
                "32422000-7",
                "Dunmore 8-port industrial switch",
                "Hardened 8-port switch for cabinets and masts",
                "DIN-rail switch rated from -40 to 75 degrees.",
                "640.00",
                [("", "1.00"), ("with PoE", "1.20")],
            ),
            Line(
                "32422000-7",
                "Dunmore distribution switch",
                "Aggregation switch, 25/100 GbE",
                "Distribution switch with 48 x 25 GbE and 8 x 100 GbE ports.",
                "9400.00",
                [("", "1.00"), ("with redundant power", "1.08")],
                lead_time=30,
                breaks=((5, "0.95"), (20, "0.90")),
            ),
            Line(
                "32420000-3",
                "Dunmore network manager",
                "Central network management",
                "Central configuration, segmentation policy and monitoring for Dunmore equipment.",
                "38.00",
                TIERS,
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "32413100-2",
                "Dunmore Edge 200 small-site router",
                "Router for small police offices",
                "Compact SD-WAN router with segmentation and 4G backup.",
                "690.00",
                [("", "1.00"), ("with 5G backup", "1.30")],
                lead_time=21,
            ),
            Line(
                "32422000-7",
                "Dunmore 10 GbE SFP+ module",
                "Optical transceiver",
                "10 GbE SFP+ optical transceiver.",
                "85.00",
                [("short range", "1.00"), ("long range", "1.60")],
                lead_time=7,
            ),
        ],
    ),
    "everfield": (
        "EV",
        [
            Line(
                "48730000-4",
                "Everfield Endpoint Shield",
                "Endpoint protection and response",
                "Endpoint detection and response for Windows, macOS and Android devices.",
                "2.90",
                TIERS,
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=5,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48730000-4",
                "Everfield Device Manager",
                "Mobile device management",
                "Enrols, configures and wipes phones and tablets; enforces encryption.",
                "28.00",
                TIERS,
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=5,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48730000-4",
                "Everfield Disk Encryption",
                "Full-disk encryption management",
                "Central management of full-disk encryption keys with recovery workflow.",
                "16.00",
                TIERS[:2],
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=5,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48730000-4",
                "Everfield Privileged Access",
                "Privileged access management",
                "Just-in-time administrator access with session recording.",
                "95.00",
                TIERS[:2],
                unit=Unit.USER_PER_YEAR,
                lead_time=10,
                breaks=((25, "0.92"), (100, "0.85")),
            ),
            Line(
                "72200000-7",
                "Everfield penetration test",
                "CHECK-accredited penetration test",
                "Penetration testing by CHECK team leaders, with a report and re-test.",
                "1250.00",
                [("web application", "1.00"), ("infrastructure", "1.10")],
                unit=Unit.DAY,
                lead_time=20,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-NET-001",),
            ),
            Line(
                "48730000-4",
                "Everfield Secure Email Gateway",
                "Email filtering and DLP",
                "Filters inbound email and stops sensitive data leaving by mistake.",
                "1.90",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "48730000-4",
                "Everfield Vulnerability Scanner",
                "Continuous vulnerability scans",
                "Scans devices and servers for known vulnerabilities, with prioritised fixes.",
                "12.00",
                TIERS,
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
            ),
            Line(
                "72000000-5",
                "Everfield security operations centre",
                "24/7 security monitoring service",
                "Security-cleared analysts monitor the force's logs around the clock.",
                "21.00",
                [("business hours", "0.60"), ("24x7", "1.00")],
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=30,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-NET-001",),
            ),
        ],
    ),
    "fenwick-digital": (
        "FD",
        [
            Line(
                "72253000-3",
                "Fenwick service desk",
                "24/7 IT service desk for police users",
                "24/7 service desk with security-cleared analysts, ITIL processes and "
                "force-specific knowledge bases.",
                "4.80",
                [("8x5", "0.70"), ("24x7", "1.00")],
                unit=Unit.USER_PER_MONTH,
                lead_time=30,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-IDM-001",),
            ),
            Line(
                "72253000-3",
                "Fenwick desk-side support",
                "On-site desk-side engineers",
                "Security-cleared engineers on site for device support and moves.",
                "420.00",
                [("", "1.00")],
                unit=Unit.DAY,
                lead_time=14,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-IDM-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick developer",
                "Software developer, by the day",
                "Security-cleared software developer for force systems.",
                "650.00",
                [("", "1.00"), ("senior", "1.25")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick data migration",
                "Records and case data migration",
                "Migration of records and case data into the common incident schema.",
                "720.00",
                [("", "1.00")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72000000-5",
                "Fenwick identity federation onboarding",
                "Connect a system to the national identity federation",
                "Design, build and test of OpenID Connect sign-in through the national police "
                "identity federation.",
                "7800.00",
                [("per system", "1.00")],
                unit=Unit.EACH,
                lead_time=20,
                breaks=((5, "0.93"), (10, "0.88")),
                claims=("NC-IDM-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick business analyst",
                "Business analyst, by the day",
                "Business analyst experienced in police processes.",
                "590.00",
                [("", "1.00"), ("senior", "1.20")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick delivery manager",
                "Delivery manager, by the day",
                "Agile delivery manager for digital projects.",
                "610.00",
                [("", "1.00"), ("senior", "1.22")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72253000-3",
                "Fenwick cloud platform support",
                "Cloud hosting support",
                "Operates and patches force systems hosted in the cloud.",
                "6.10",
                [("8x5", "0.75"), ("24x7", "1.00")],
                unit=Unit.USER_PER_MONTH,
                lead_time=30,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-IDM-001",),
            ),
            Line(
                "72000000-5",
                "Fenwick accessibility audit",
                "WCAG 2.2 accessibility audit",
                "Audit of a service against WCAG 2.2 AA with a report and re-test.",
                "3400.00",
                [("small service", "1.00"), ("large service", "1.75")],
                lead_time=15,
                breaks=((5, "0.94"),),
                claims=("NC-IDM-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick technical architect",
                "Technical architect, by the day",
                "Technical architect for integration with national police systems.",
                "780.00",
                [("", "1.00"), ("principal", "1.20")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72200000-7",
                "Fenwick user researcher",
                "User researcher, by the day",
                "User researcher who works with officers and staff to shape services.",
                "560.00",
                [("", "1.00"), ("senior", "1.18")],
                unit=Unit.DAY,
                lead_time=10,
                breaks=tuple(SERVICE_BREAKS),
                claims=("NC-DEX-001",),
            ),
            Line(
                "72253000-3",
                "Fenwick device refresh service",
                "Build, deploy and dispose",
                "Images, delivers and installs new devices and securely disposes of old ones.",
                "65.00",
                [("laptop", "1.00"), ("phone", "0.55")],
                lead_time=21,
                breaks=tuple(EACH_BREAKS),
                claims=("NC-IDM-001",),
            ),
        ],
    ),
    "greystone-bwv": (
        "GB",
        [
            Line(
                "38651000-3",
                "Greystone BWV-5 body-worn camera",
                "Body-worn video camera with 12-hour battery",
                "Records in full HD with pre-record, hashes footage at capture (SHA-256) "
                "and encrypts it at rest.",
                "395.00",
                [("32 GB", "1.00"), ("64 GB", "1.10"), ("64 GB, live-stream", "1.35")],
            ),
            Line(
                "38651000-3",
                "Greystone BWV-5 Mini body-worn camera",
                "Compact body-worn camera for specialist roles",
                "Smaller body-worn camera with the same evidence chain as BWV-5.",
                "355.00",
                [("32 GB", "1.00"), ("64 GB", "1.10")],
            ),
            Line(
                "38651000-3",
                "Greystone 20-bay docking station",
                "Docks and uploads 20 cameras",
                "Charges and uploads 20 cameras, verifying each file's hash on upload.",
                "1650.00",
                [("", "1.00")],
                breaks=((5, "0.96"), (20, "0.92")),
            ),
            Line(
                "38651000-3",
                "Greystone interview room camera",
                "Fixed camera for interview rooms",
                "Ceiling-mounted camera with dual microphones and hashed recordings.",
                "980.00",
                [("", "1.00"), ("with second microphone", "1.08")],
            ),
            Line(
                "48311000-1",
                "Greystone Evidence Cloud",
                "Digital evidence management",
                "Stores, redacts and shares digital evidence with an unbroken chain of custody.",
                "11.50",
                TIERS,
                unit=Unit.USER_PER_MONTH,
                lead_time=14,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-EVD-001",),
            ),
            Line(
                "38651000-3",
                "Greystone vehicle camera",
                "Forward and cabin vehicle camera",
                "Dual-lens vehicle camera with hashed recordings and 4G upload.",
                "720.00",
                [("single lens", "0.80"), ("dual lens", "1.00")],
            ),
            Line(
                "30237200-1",
                "Greystone camera mount",
                "Mount for BWV-5 cameras",
                "Quick-release mount for body-worn cameras.",
                "24.00",
                [("chest", "1.00"), ("shoulder", "1.10"), ("helmet", "1.30")],
            ),
            Line(
                "48311000-1",
                "Greystone live-stream licence",
                "Live video from cameras",
                "Streams live video from BWV-5 cameras to the control room.",
                "48.00",
                [("", "1.00"), ("with recording", "1.25")],
                unit=Unit.DEVICE_PER_YEAR,
                lead_time=7,
                breaks=tuple(LICENCE_BREAKS),
                claims=("NC-EVD-001",),
            ),
            Line(
                "38651000-3",
                "Greystone BWV-5 spare battery",
                "Spare battery for BWV-5",
                "Spare battery for a full second shift.",
                "49.00",
                [("", "1.00"), ("high capacity", "1.40")],
            ),
            Line(
                "38651000-3",
                "Greystone drone camera kit",
                "Camera kit for police drones",
                "Stabilised zoom and thermal camera with hashed recordings.",
                "4200.00",
                [("zoom", "1.00"), ("zoom and thermal", "1.55")],
                lead_time=30,
                breaks=((5, "0.95"), (10, "0.92")),
            ),
        ],
    ),
}


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _variants(line: Line, supplier_code: str, line_number: int):
    for variant_number, (variant, multiplier) in enumerate(line.variants, 1):
        name = f"{line.name}, {variant}" if variant else line.name
        price = _money(Decimal(line.price) * Decimal(multiplier))
        tiers = [Tier(1, price)]
        for quantity, factor in line.breaks:
            tiers.append(Tier(quantity, _money(price * Decimal(factor))))
        sku = f"{supplier_code}-{line_number:02d}{variant_number:02d}"
        yield sku, name, price, tiers


def evidence_pdf(title: str) -> bytes:
    """A small, valid one-page PDF saying what it certifies."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = (
        f"BT /F1 14 Tf 72 760 Td (Certificate of conformance) Tj 0 -24 Td /F1 10 Tf ({text}) Tj "
        "0 -16 Td (Demo evidence generated by Network Code seed_demo.) Tj ET"
    ).encode("latin-1", "replace")
    compressed = zlib.compress(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed)
        + compressed
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _ensure_categories(manager: User) -> int:
    existing = set(Category.objects.values_list("cpv_code", flat=True))
    standards = {s.reference: s for s in Standard.objects.all()}
    created = 0
    for cpv, slug, name, parent_cpv, required in CATEGORIES:
        if cpv in existing:
            continue
        parent = Category.objects.get(cpv_code=parent_cpv) if parent_cpv else None
        services.category_create(
            actor=manager,
            name=name,
            slug=slug,
            cpv_code=cpv,
            parent=parent,
            required_standards=[standards[r] for r in required if r in standards],
        )
        created += 1
    return created


def _claim(product: Product, version: StandardVersion, editor: User):
    title = f"{product.name} ({product.sku}) meets {version.standard.reference} v{version.version}"
    upload = SimpleUploadedFile(
        f"{product.sku}-{version.standard.reference}.pdf",
        evidence_pdf(title),
        content_type="application/pdf",
    )
    return services.conformance_claim(
        product=product, standard_version=version, evidence_file=upload, actor=editor
    )


def seed(stdout=None) -> None:
    manager = User.objects.get(email=CATALOGUE_MANAGER)
    categories_created = _ensure_categories(manager)
    tree = CategoryTree.load()
    by_cpv = {c.cpv_code: c for c in tree.by_id.values()}
    versions = {
        v.standard.reference: v
        for v in StandardVersion.objects.filter(status=VersionStatus.ADOPTED).select_related(
            "standard"
        )
    }
    required = {
        cpv: {r for c_cpv, _, _, _, refs in CATEGORIES for r in refs if c_cpv == cpv}
        for cpv in by_cpv
    }

    def needed(cpv: str) -> set[str]:
        standards: set[str] = set()
        category = by_cpv[cpv]
        for node in [category, *tree.ancestors(category.pk)]:
            standards |= required.get(node.cpv_code, set())
        return standards

    created = 0
    counter = 0
    for slug, (code, lines) in CATALOGUE.items():
        supplier = Organisation.objects.get(slug=slug)
        editor = User.objects.get(email=f"editor@{slug}.example")
        existing = set(Product.objects.filter(supplier=supplier).values_list("sku", flat=True))
        for line_number, line in enumerate(lines, 1):
            for sku, name, price, tiers in _variants(line, code, line_number):
                counter += 1
                if sku in existing:
                    continue
                content = ProductContent(
                    name=name,
                    summary=line.summary,
                    description=line.description,
                    category=by_cpv[line.category],
                    unit=line.unit,
                    list_price=price,
                    lead_time_days=line.lead_time,
                    price_breaks=tuple(tiers),
                )
                _seed_product(
                    counter,
                    supplier,
                    editor,
                    manager,
                    sku,
                    content,
                    sorted(needed(line.category) | set(line.claims)),
                    versions,
                )
                created += 1
    if stdout is not None:
        stdout.write(
            f"catalogue: {Category.objects.count()} categories ({categories_created} new), "
            f"{Product.objects.count()} products ({created} new)"
        )


def _seed_product(counter, supplier, editor, manager, sku, content, standards, versions):
    """One product, in a state that depends on its place in the list: most are published
    and compliant; every 23rd is a draft, every 31st awaits review, one is rejected,
    every 17th has a change awaiting review and every 13th a claim awaiting verification."""
    product = services.product_create(actor=editor, supplier=supplier, sku=sku, content=content)
    for reference in standards:
        if reference in versions:
            _claim(product, versions[reference], editor)
    if counter % 23 == 0:
        return  # a draft
    services.product_submit(product=product, actor=editor)
    if counter == 45:
        services.product_reject(
            product=product,
            actor=manager,
            reason="The description does not say which encryption the device uses. "
            "Add it and resubmit.",
        )
        return
    if counter % 31 == 0:
        return  # submitted, awaiting review
    services.product_approve(product=product, actor=manager)
    for conformance in product.conformances.all():
        if counter % 13 == 0:
            break  # claims awaiting verification
        services.conformance_verify(conformance=conformance, actor=manager)
    if counter % 17 == 0:
        first, *rest = content.price_breaks
        cheaper = _money(content.list_price * Decimal("0.95"))
        change = content.replace(
            list_price=cheaper,
            price_breaks=(
                Tier(1, cheaper),
                *(Tier(t.min_quantity, min(t.unit_price, cheaper)) for t in rest),
            ),
            summary=content.summary + " (new lower price)",
        )
        services.product_update(product=product, actor=editor, content=change)
        services.product_submit(product=product, actor=editor)
