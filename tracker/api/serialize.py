"""Records as the API's JSON: dates ``YYYY-MM-DD``, times ISO 8601 in UTC with ``Z``."""

from datetime import UTC, date, datetime

from flask import url_for

from .. import workflow
from ..localtime import today
from ..models import Attachment, Category, Concern, ConcernEvent, User, Village, Visit


def moment(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def me_json(user: User) -> dict:
    from ..i18n import current_language

    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "commune": {"id": user.commune.id, "name": user.commune.name} if user.commune is not None else None,
        "language": user.language or current_language(),
    }


def village_json(village: Village) -> dict:
    return {
        "id": village.id,
        "name": village.name,
        "commune_id": village.commune_id,
        "commune_name": village.commune.name,
        "former_names": [village.former_commune] if village.former_commune else [],
    }


def category_json(category: Category) -> dict:
    return {
        "id": category.id,
        "code": category.code,
        "name": category.name,
        "needs_evidence": category.requires_evidence,
    }


def photo_json(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "client_uuid": attachment.client_uuid,
        "url": url_for("attachments.photo", attachment_id=attachment.id),
        "thumbnail_url": url_for("attachments.thumbnail", attachment_id=attachment.id),
        "width": attachment.width,
        "height": attachment.height,
        "is_evidence": attachment.is_evidence,
    }


def concern_summary(concern: Concern) -> dict:
    return {
        "id": concern.id,
        "client_uuid": concern.client_uuid,
        "reference_code": concern.reference_code,
        "url": url_for("concerns.show", concern_id=concern.id),
        "village_id": concern.village_id,
        "village_name": concern.village.name,
        "category_id": concern.category_id,
        "category_name": concern.category.name,
        "title": concern.title,
        "status": concern.status,
        "status_label": concern.status_label,
        "priority": concern.priority,
        "due_date": day(concern.effective_due_date),
        "is_overdue": concern.is_overdue(today()),
        "assignee_id": concern.assignee_id,
        "assignee_name": concern.assignee.full_name if concern.assignee is not None else None,
        "version": concern.version,
        "updated_at": moment(concern.updated_at),
    }


def event_json(event: ConcernEvent) -> dict:
    return {
        "id": event.id,
        "client_uuid": event.client_uuid,
        "kind": event.kind,
        "kind_label": event.kind_label,
        "created_at": moment(event.created_at),
        "author_id": event.author_id,
        "author_name": event.author.full_name if event.author is not None else None,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "note": event.note,
        "public": event.public,
    }


def concern_json(concern: Concern, user: User) -> dict:
    """The whole concern as its page shows it to ``user``: resident's details, timeline, what ``user`` may do."""
    referral = None
    if concern.referred_to:
        referral = {
            "to": concern.referred_to,
            "number": concern.referral_number,
            "date": day(concern.referral_date),
            "due_date": day(concern.referral_due_date),
        }
    return {
        **concern_summary(concern),
        "visit_id": concern.visit_id,
        "description": concern.description,
        "resident_name": concern.resident_name,
        "resident_contact": concern.resident_contact,
        "households_affected": concern.households_affected,
        "priority_label": concern.priority_label,
        "created_at": moment(concern.created_at),
        "resolved_at": moment(concern.resolved_at),
        "resolution_note": concern.resolution_note,
        "rejection_reason": concern.rejection_reason,
        "duplicate_of_id": concern.duplicate_of_id,
        "referral": referral,
        "needs_evidence": concern.category.requires_evidence,
        "has_evidence": workflow.has_evidence(concern),
        "allowed_transitions": workflow.allowed_transitions(concern, user),
        "photos": [photo_json(a) for a in concern.attachments],
        "events": [event_json(e) for e in sorted(concern.events, key=lambda e: (e.created_at, e.id))],
    }


def visit_json(visit: Visit) -> dict:
    return {
        "id": visit.id,
        "client_uuid": visit.client_uuid,
        "url": url_for("visits.show", visit_id=visit.id),
        "village_id": visit.village_id,
        "village_name": visit.village.name,
        "visit_date": day(visit.visit_date),
        "kind": visit.kind,
        "attendees": visit.attendees,
        "notes": visit.notes,
        "latitude": visit.latitude,
        "longitude": visit.longitude,
        "gps_accuracy_m": visit.gps_accuracy_m,
        "official_ids": [u.id for u in visit.officials],
        "created_at": moment(visit.created_at),
        "concerns": [concern_summary(c) for c in visit.concerns],
        "photos": [photo_json(a) for a in visit.attachments],
    }
