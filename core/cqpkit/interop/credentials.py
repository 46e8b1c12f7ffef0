"""Open Badges 3.0 credentials for the awards of a dossier, signed as VC-JWT with an Ed25519 key.

Why this module is over 500 lines: the issuer, the keys, the mapping and the proof are one format's round trip
(issue and verify must agree on every claim), each part small; split, they would import one another's privates.

What is issued (:func:`awards`): the engine's result of the dossier as of a date
(:meth:`Registry.decide`): a certification delivered (statut ``certifie``) gives ONE credential for the
certification; otherwise each domaine / bloc acquired and still valid gives one credential, whose
``validUntil`` is the last day of its validity (``DomaineAcquis.valide_jusqua``; none when the
référentiel states no validity period). Expired domaines give nothing.

The credential (:func:`build_credential`) is an ``OpenBadgeCredential`` of the Open Badges Specification
3.0 (1EdTech), on the W3C Verifiable Credentials Data Model 2.0 (``@context`` v2 and the OB context
3.0.3; ``validFrom``/``validUntil``), checked in the tests against the published JSON Schema. The
``achievement`` carries the référentiel: name, description, the épreuves and critères as the criteria'
narrative, and the France Compétences codes when the référentiel has them (``certification.repertoire``,
``domaines.code_bloc``: pinned on a référentiel file that carries them, tests/data/interop/).

Proof (:func:`sign`, :func:`verify`): the « JSON Web Token Proof Format » of OB 3.0 (§ 8.2, VC-JWT):
the JWT's payload is the credential itself with the registered claims ``iss`` (issuer id), ``jti``
(credential id), ``nbf`` (validFrom), ``exp`` (validUntil) and ``sub`` (subject id, when there is one);
the JOSE header has ``alg: EdDSA`` (Ed25519), ``typ: JWT``, ``kid`` and the public ``jwk``. Signed and
checked with PyJWT over the ``cryptography`` package the project already requires: a JWS is a few
well-specified bytes, while a Data Integrity proof (eddsa-rdfc-2022) needs JSON-LD expansion and RDF
canonicalisation of the OB context (a much larger, network-minded stack) — docs/interop.md.

Dates: a date of the dossier is a day in France; ``validFrom`` is its midnight, ``validUntil`` the
last second of the last valid day, both in Europe/Paris time with their offset. ``verify`` compares
days: valid as of D when validFrom's day <= D <= validUntil's day.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from cqpkit.exceptions import CqpkitError, Erreur, InvalidFileError, UnreadableFileError

__all__ = [
    "CONTEXTS",
    "SCHEMA_ID",
    "Award",
    "Emetteur",
    "KeyFileError",
    "Verification",
    "awards",
    "build_credential",
    "generate_keys",
    "issue",
    "load_emetteur",
    "load_private_key",
    "load_public_key",
    "public_jwk",
    "sign",
    "verify",
]

#: The ``@context`` of every credential: VC Data Model 2.0, then the Open Badges 3.0 context (version 3.0.3).
CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
#: The ``$id`` of the published OB 3.0 JSON Schema of an AchievementCredential (named in ``credentialSchema``).
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json"
_TYPES = ("VerifiableCredential", "OpenBadgeCredential")


class KeyFileError(CqpkitError):
    """A key file that cannot be read or is not an Ed25519 key of the expected kind (exit 2)."""

    exit_code = 2


# ------------------------------------------------------------------------------ issuer
@attrs.frozen(kw_only=True)
class Emetteur:
    """Who issues the credentials: the ``[emetteur]`` table of an issuer file, or the command's options.

    ``id`` is the issuer's URI (its web address, or a ``did:``); ``cle`` the private key file (PEM) that
    signs; ``cle_publique`` the public key file that ``verify`` checks against.
    """

    id: str
    nom: str
    url: str = ""
    email: str = ""
    cle: str | None = None
    cle_publique: str | None = None


_EMETTEUR_KEYS = {f.name for f in attrs.fields(Emetteur)}


def _uri(value: str) -> bool:
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme and scheme[0].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)) and " " not in value


def load_emetteur(path: str | os.PathLike[str]) -> Emetteur:
    """Read an issuer file (TOML, one ``[emetteur]`` table); every error at once, with its line.

    Key paths (``cle``, ``cle_publique``) are relative to the file's directory.
    """
    from cqpkit.formats.tomlfile import parse_toml, read_text

    fichier = os.fspath(path)
    doc = parse_toml(read_text(fichier), fichier)
    errors: list[Erreur] = []
    for key in doc.data:
        if key != "emetteur":
            errors.append(doc.erreur((key,), f"table « {key} » inconnue (un fichier d'émetteur n'a que [emetteur])"))
    table = doc.data.get("emetteur")
    if not isinstance(table, dict):
        errors.append(Erreur(fichier, 1, "emetteur", "table [emetteur] manquante (id, nom, et cle pour signer)"))
        raise InvalidFileError(fichier, errors)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _EMETTEUR_KEYS:
            errors.append(doc.erreur(("emetteur", key), f"clé inconnue (clés possibles : {', '.join(sorted(_EMETTEUR_KEYS))})"))
        elif not isinstance(value, str):
            errors.append(doc.erreur(("emetteur", key), "un texte est attendu"))
        else:
            values[key] = value
    for key in ("id", "nom"):
        if key not in table:
            errors.append(doc.erreur(("emetteur",), f"clé « {key} » manquante"))
    if isinstance(table.get("id"), str) and not _uri(table["id"]):
        errors.append(doc.erreur(("emetteur", "id"), f"« {table['id']} » n'est pas une URI (ex. https://www.organisme.example ou did:web:…)"))
    if errors:
        raise InvalidFileError(fichier, sorted(errors, key=lambda e: e.ligne))
    base = Path(fichier).parent
    for key in ("cle", "cle_publique"):
        if values.get(key):
            values[key] = os.fspath(base / values[key])
    return Emetteur(**values)


# -------------------------------------------------------------------------------- keys
def generate_keys(path: str | os.PathLike[str], *, force: bool = False) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: the private key at ``path`` (PKCS#8 PEM, mode 0600), the public one at ``path.pub``.

    An existing file is not overwritten unless ``force``: :class:`FileExistsError`.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Path(path)
    public = private.with_name(private.name + ".pub")
    if not force:
        for p in (private, public):
            if p.exists():
                raise FileExistsError(p)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if force else os.O_EXCL)
    fd = os.open(private, flags, 0o600)
    os.fchmod(fd, 0o600)  # an existing file (--force) keeps no wider mode
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public.write_bytes(pub)
    return private, public


def load_private_key(path: str | os.PathLike[str]) -> Any:
    """The Ed25519 private key of a PEM file; :class:`KeyFileError` in French otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = _key_bytes(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{os.fspath(path)} : clé privée illisible ({_why(exc)}) ; une clé écrite par « cqpkit credential keygen » est attendue") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{os.fspath(path)} : clé privée {type(key).__name__} : une clé Ed25519 est attendue (cqpkit credential keygen)")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Any:
    """The Ed25519 public key of a PEM file (or the public half of a private key file); :class:`KeyFileError` otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _key_bytes(path)
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{os.fspath(path)} : clé publique illisible ({_why(exc)}) ; le fichier .pub écrit par « cqpkit credential keygen » est attendu") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{os.fspath(path)} : clé publique {type(key).__name__} : une clé Ed25519 est attendue")
    return key


def _key_bytes(path: str | os.PathLike[str]) -> bytes:
    from cqpkit.formats.tomlfile import read_bytes

    try:
        return read_bytes(path, limit=64 * 1024)
    except UnreadableFileError as exc:
        raise KeyFileError(str(exc)) from None


def _why(exc: Exception) -> str:
    text = str(exc).split("\n")[0]
    return "format PEM non reconnu" if "Could not deserialize" in text or "PEM" in text or not text else text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Any) -> dict[str, str]:
    """The public key as a JWK (RFC 8037: ``kty`` OKP, ``crv`` Ed25519)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}


def _thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint of an OKP key (its required members, sorted, no spaces)."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("ascii")).digest())


# ------------------------------------------------------------------------------ awards
@attrs.frozen(kw_only=True)
class Award:
    """What one credential attests: the certification (``domaine`` None) or one domaine, from a date, maybe until one."""

    dossier: str
    domaine: str | None
    date: dt.date
    valide_jusqua: dt.date | None = None
    session: str = ""


def awards(registry: Any, dossier: Any, as_of: dt.date) -> list[Award]:
    """The awards of a dossier as of a date: the certification if delivered, else each domaine acquired and still valid."""
    result = registry.decide(dossier, as_of)
    if result.statut == "certifie" and result.date_certification is not None:
        last = max((a.session for a in result.acquis if a.date == result.date_certification), default="")
        return [Award(dossier=dossier.id, domaine=None, date=result.date_certification, session=last)]
    return [
        Award(dossier=dossier.id, domaine=a.domaine, date=a.date, valide_jusqua=a.valide_jusqua, session=a.session)
        for a in result.acquis
    ]


def _paris() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no time-zone database on this system: UTC, still a valid DateTimeZ
        return dt.UTC


def _start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0, 0), _paris()).isoformat()


def _end(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), _paris()).isoformat()


def _day(text: str) -> dt.date:
    """The day in France of a DateTimeZ of a credential (``ValueError`` if it is not one)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(text)
    return value.astimezone(_paris()).date()


# ------------------------------------------------------------------------ the credential
def _achievement_id(emetteur: Emetteur, ref: Any, domaine: str | None) -> str:
    parts = [ref.certification.id, ref.certification.version, *([domaine] if domaine else [])]
    if emetteur.id.startswith(("https://", "http://")):
        return f"{emetteur.id.rstrip('/')}/cqp/{'/'.join(parts)}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, emetteur.id + '#' + '/'.join(parts))}"


def _fiche_url(code: str) -> str:
    """The public page of a fiche on France Compétences' site (RNCP or RS)."""
    register = "rs" if code.upper().startswith("RS") else "rncp"
    number = "".join(c for c in code if c.isdigit())
    return f"https://www.francecompetences.fr/recherche/{register}/{number}/"


#: The épreuves whose results the jury decides on (positionnement, formative and intermediate ones only prepare them).
_DECIDING = ("finale_entreprise", "synthese", "certifiante", "vae")


def _criteria(ref: Any, domaine: str | None) -> str:
    """The criteria's narrative (Markdown, French): the épreuves of the domaine (or of the certification) and their critères."""
    lines: list[str] = []
    if domaine is None:
        lines.append("Certification délivrée par le jury lorsque tous les domaines sont acquis :")
        lines.extend(f"- {d.id} : {d.intitule}" for d in ref.domaines)
        if not ref.domaines:
            lines.append("- (le référentiel ne détaille pas les domaines)")
    else:
        lines.append("Domaine acquis par décision du jury, au vu des épreuves suivantes :")
    for e in ref.epreuves:
        if e.type not in _DECIDING:
            continue
        if domaine is not None and domaine not in e.domaines and not any(c.domaine == domaine for c in e.criteres):
            continue
        # a question asked to the candidate is not a criterion the award was judged on
        criteres = [c for c in e.criteres if c.nature != "question" and (domaine is None or c.domaine in (None, domaine))]
        lines.append(f"- Épreuve « {e.intitule} »" + (" :" if criteres else ""))
        lines.extend(f"  - {c.id} : {c.libelle}" for c in criteres)
    return "\n".join(lines)


def _achievement(ref: Any, domaine: str | None, emetteur: Emetteur) -> dict[str, Any]:
    cert = ref.certification
    repertoire = cert.repertoire
    fiche = repertoire.fiche if repertoire is not None else None
    out: dict[str, Any] = {"id": _achievement_id(emetteur, ref, domaine), "type": ["Achievement"]}
    alignment: list[dict[str, Any]] = []
    identifiers: list[dict[str, Any]] = []
    if domaine is None:
        out["achievementType"] = "Certification"
        out["name"] = cert.intitule
        out["description"] = (
            f"{cert.intitule} (version {cert.version}) : certificat de qualification professionnelle de branche, "
            f"délivré par {cert.certificateur}."
        )
        if fiche:
            out["humanCode"] = fiche
    else:
        dom = next((d for d in ref.domaines if d.id == domaine), None)
        kind = {"bloc": "Bloc de compétences", "transverse": "Module transverse"}.get(dom.type if dom is not None else "", "Domaine")
        intitule = dom.intitule if dom is not None else domaine
        out["achievementType"] = "Competency"
        out["name"] = f"{kind} {domaine} : {intitule}"
        out["description"] = f"{kind} {domaine} « {intitule} » du {cert.intitule} (version {cert.version}), acquis par validation partielle."
        code_bloc = dom.code_bloc if dom is not None else None
        if code_bloc:
            out["humanCode"] = code_bloc
            identifiers.append({"type": "IdentifierEntry", "identifier": code_bloc, "identifierType": "ext:BlocRNCP"})
            alignment.append(
                {"type": ["Alignment"], "targetName": f"{code_bloc} — {intitule}", "targetCode": code_bloc,
                 "targetFramework": "Répertoire national des certifications professionnelles", "targetType": "ext:BlocRNCP",
                 "targetUrl": _fiche_url(fiche or code_bloc.split("BC")[0])}
            )
    if fiche:
        register = repertoire.registre
        frame = "Répertoire spécifique" if register == "RS" else "Répertoire national des certifications professionnelles"
        identifiers.append({"type": "IdentifierEntry", "identifier": fiche, "identifierType": f"ext:{register}"})
        alignment.append(
            {"type": ["Alignment"], "targetName": f"{fiche} — {repertoire.intitule or cert.intitule}", "targetCode": fiche,
             "targetFramework": frame, "targetType": "ceterms:Credential", "targetUrl": _fiche_url(fiche)}
        )
        for label, codes in (("NSF", repertoire.nsf), ("ROME", repertoire.rome), ("Formacode", repertoire.formacode)):
            identifiers.extend({"type": "IdentifierEntry", "identifier": str(c), "identifierType": f"ext:{label}"} for c in codes)
    out["criteria"] = {"narrative": _criteria(ref, domaine)}
    out["inLanguage"] = "fr"
    out["version"] = cert.version
    out["creator"] = {"id": _creator_id(emetteur, cert), "type": ["Profile"], "name": cert.certificateur}
    if alignment:
        out["alignment"] = alignment
    if identifiers:
        out["otherIdentifier"] = identifiers
    return out


def _creator_id(emetteur: Emetteur, cert: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cqpkit-certificateur#' + cert.branche + '#' + cert.certificateur)}"


def _identity(kind: str, value: str, *, hashed: bool) -> dict[str, Any]:
    if not hashed:
        return {"type": "IdentityObject", "identityType": kind, "hashed": False, "identityHash": value}
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
    return {"type": "IdentityObject", "identityType": kind, "hashed": True, "identityHash": f"sha256${digest}", "salt": salt}


def build_credential(registry: Any, dossier: Any, award: Award, emetteur: Emetteur) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of one award (a JSON-ready dict).

    The candidate is named by identifiers (Open Badges ``IdentityObject``): the e-mail, hashed with a salt (a
    verifier who knows it can check it; nobody can read it), the name likewise, and the operator's candidate id in clear.
    """
    ref = registry.referentiel_for(dossier)
    achievement = _achievement(ref, award.domaine, emetteur)
    key = "/".join([emetteur.id, dossier.id, award.domaine or "certification", award.date.isoformat()])
    cand = dossier.candidat
    identifiers = [_identity("sourcedId", cand.id, hashed=False)]
    if cand.email:
        identifiers.append(_identity("emailAddress", cand.email.strip().lower(), hashed=True))
    full_name = " ".join(x for x in (cand.prenom, cand.nom) if x)
    if full_name:
        identifiers.append(_identity("name", full_name, hashed=True))
    issuer: dict[str, Any] = {"id": emetteur.id, "type": ["Profile"], "name": emetteur.nom}
    if emetteur.url:
        issuer["url"] = emetteur.url
    if emetteur.email:
        issuer["email"] = emetteur.email
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}",
        "type": list(_TYPES),
        "name": achievement["name"],
        "description": (
            f"{achievement['name']} : délivré le {award.date.strftime('%d/%m/%Y')}"
            + (f" par le jury {award.session}" if award.session else "")
            + (f", valable jusqu'au {award.valide_jusqua.strftime('%d/%m/%Y')}" if award.valide_jusqua else "")
            + f" (dossier {dossier.id})."
        ),
        "issuer": issuer,
        "validFrom": _start(award.date),
        "awardedDate": _start(award.date),
        "credentialSubject": {"type": ["AchievementSubject"], "identifier": identifiers, "achievement": achievement},
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if award.valide_jusqua is not None:
        credential["validUntil"] = _end(award.valide_jusqua)
    return credential


def _epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def sign(credential: dict[str, Any], private_key: Any) -> str:
    """The credential as a VC-JWT (compact JWS, EdDSA): OB 3.0 § 8.2's claims added to the credential's members."""
    import jwt

    jwk = public_jwk(private_key.public_key())
    claims = dict(credential)
    claims["iss"] = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else credential["issuer"]
    claims["jti"] = credential["id"]
    claims["nbf"] = _epoch(credential["validFrom"])
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"])
    subject_id = credential["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    header = {"typ": "JWT", "kid": f"{claims['iss']}#{_thumbprint(jwk)}", "jwk": jwk}
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers=header)


def issue(registry: Any, dossiers: Sequence[Any], emetteur: Emetteur, private_key: Any, as_of: dt.date) -> list[tuple[Award, dict[str, Any], str]]:
    """Every credential of these dossiers as of a date: ``(award, credential, VC-JWT)`` triples, in dossier order."""
    out = []
    for d in dossiers:
        for award in awards(registry, d, as_of):
            credential = build_credential(registry, d, award, emetteur)
            out.append((award, credential, sign(credential, private_key)))
    return out


# ---------------------------------------------------------------------------- verify
@attrs.frozen(kw_only=True)
class Verification:
    """What ``verify`` found: ``ok`` when every check passed; ``problemes`` (French) otherwise; the credential if readable."""

    ok: bool
    problemes: tuple[str, ...] = ()
    verifications: tuple[str, ...] = ()
    credential: dict[str, Any] | None = None


def verify(token: str, public_key: Any, as_of: dt.date, issuer_id: str | None = None) -> Verification:
    """Check a VC-JWT: the signature with ``public_key``, the claims against the credential, its dates as of ``as_of``,
    its issuer (``issuer_id`` when given), and its shape (an OpenBadgeCredential). Every problem is reported."""
    import jwt

    token = token.strip()
    if token.startswith("{"):
        return Verification(ok=False, problemes=("une attestation JSON sans signature JWT : cqpkit signe et vérifie au format VC-JWT (fichier .jwt)",))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.DecodeError:
        return Verification(ok=False, problemes=("le fichier n'est pas un VC-JWT lisible (en-tête JOSE illisible)",))
    if header.get("alg") != "EdDSA":
        return Verification(ok=False, problemes=(f"algorithme de signature « {header.get('alg')} » : EdDSA (Ed25519) est attendu",))
    try:
        claims = jwt.decode(
            token, public_key, algorithms=["EdDSA"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False, "verify_iss": False,
                     "verify_sub": False, "verify_jti": False},
        )
    except jwt.exceptions.InvalidSignatureError:
        return Verification(ok=False, problemes=("signature invalide : l'attestation a été modifiée, ou elle n'a pas été signée avec cette clé",))
    except jwt.exceptions.PyJWTError as exc:
        return Verification(ok=False, problemes=(f"jeton illisible ou altéré ({type(exc).__name__})",))
    done = ["signature Ed25519 valide avec la clé donnée"]
    problems: list[str] = []
    credential = {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "exp", "sub", "iat")}
    types = credential.get("type") or []
    if not isinstance(types, list) or "VerifiableCredential" not in types or "OpenBadgeCredential" not in types:
        problems.append("le contenu n'est pas un OpenBadgeCredential (type VerifiableCredential et OpenBadgeCredential attendus)")
    issuer = credential.get("issuer")
    iss = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != iss:
        problems.append(f"l'émetteur du jeton (iss « {claims.get('iss')} ») n'est pas celui de l'attestation (« {iss} »)")
    if claims.get("jti") != credential.get("id"):
        problems.append("l'identifiant du jeton (jti) n'est pas celui de l'attestation")
    if issuer_id is not None:
        if iss != issuer_id:
            problems.append(f"émetteur « {iss} » : l'émetteur attendu est « {issuer_id} »")
        else:
            done.append(f"émetteur {iss} conforme")
    try:
        start = _day(credential["validFrom"])
        end = _day(credential["validUntil"]) if "validUntil" in credential else None
    except (KeyError, TypeError, ValueError):
        problems.append("dates de validité (validFrom, validUntil) absentes ou illisibles")
    else:
        if claims.get("nbf") != _epoch(credential["validFrom"]) or ("exp" in claims) != (end is not None) or (
            end is not None and claims.get("exp") != _epoch(credential["validUntil"])
        ):
            problems.append("les dates du jeton (nbf, exp) ne sont pas celles de l'attestation (validFrom, validUntil)")
        day = as_of.strftime("%d/%m/%Y")
        if as_of < start:
            problems.append(f"pas encore valable au {day} : valable à partir du {start.strftime('%d/%m/%Y')}")
        elif end is not None and as_of > end:
            problems.append(f"expirée au {day} : valable jusqu'au {end.strftime('%d/%m/%Y')}")
        else:
            until = f" jusqu'au {end.strftime('%d/%m/%Y')}" if end else " sans date de fin"
            done.append(f"valable au {day} (à partir du {start.strftime('%d/%m/%Y')}{until})")
    return Verification(ok=not problems, problemes=tuple(problems), verifications=tuple(done), credential=credential)
