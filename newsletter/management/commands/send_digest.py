from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django_tasks import TaskResultStatus

from newsletter.digests import DigestPlan, topic_sets
from newsletter.models import DigestIssue, DigestStatus
from newsletter.tasks import start_digest


class Command(BaseCommand):
    help = (
        "Send newsletter digest ISSUE (its id) to every confirmed subscriber whose address has "
        "not bounced: queued for the task worker (or run here with TASKS_BACKEND=immediate), "
        "in batches of --batch-size (DIGEST_BATCH_SIZE). --preview-only prints who would get "
        "what and sends nothing. An issue already sent (or being sent) is refused unless "
        "--resume, which sends it to whoever it has not reached yet, and to nobody twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("issue", type=int, help="the digest's id (see the admin)")
        parser.add_argument("--preview-only", action="store_true")
        parser.add_argument("--batch-size", type=int, default=settings.DIGEST_BATCH_SIZE)
        parser.add_argument("--resume", action="store_true")

    def handle(self, *args, issue, preview_only, batch_size, resume, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        digest = DigestIssue.objects.filter(pk=issue).first()
        if digest is None:
            raise CommandError(f"There is no digest {issue}.")
        if preview_only:
            return self.preview(digest)
        if not digest.is_draft and not resume:
            when = (
                f"sent on {digest.finished_at:%Y-%m-%d %H:%M}"
                if digest.status == DigestStatus.SENT
                else "being sent"
            )
            raise CommandError(
                f"Digest {digest.pk} (“{digest.subject}”) is already {when}. Nothing was sent. "
                "Add --resume to send it to anyone it has not reached yet (pending or failed "
                "deliveries): nobody is sent it twice."
            )
        DigestIssue.objects.filter(pk=digest.pk, status=DigestStatus.DRAFT).update(
            status=DigestStatus.SENDING
        )
        result = start_digest.enqueue(issue_id=digest.pk, batch_size=batch_size, resume=resume)
        if result.status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            progress = reverse("admin:newsletter_digestissue_progress", args=[digest.pk])
            self.stdout.write(
                f"Queued digest {digest.pk} (“{digest.subject}”) for the task worker, in batches "
                f"of {batch_size}. Follow it in the admin: "
                f"{settings.SITE_URL}{progress}"
            )
            return
        digest.refresh_from_db()
        self.stdout.write(
            f"Digest {digest.pk} (“{digest.subject}”): {digest.recipient_count} recipient(s); "
            f"{digest.sent_count} sent, {digest.skipped_count} skipped, {digest.bounced_count} "
            f"bounced, {digest.failed_count} failed; status {digest.get_status_display().lower()}."
        )
        if digest.failed_count or digest.status != DigestStatus.SENT:
            self.stdout.write(
                f"Not everyone was reached: `manage.py send_digest {digest.pk} --resume` tries "
                "the rest again."
            )

    def preview(self, digest):
        plan = DigestPlan(digest)
        audience = plan.audience(topic_sets())
        self.stdout.write(
            f"Digest {digest.pk} (“{digest.subject}”), {digest.get_status_display().lower()}: "
            f"{len(plan.items)} entries published from {plan.start:%Y-%m-%d %H:%M} to "
            f"{plan.end:%Y-%m-%d %H:%M}.\n"
            f"{audience['matched']} would receive items on their topics, "
            f"{audience['notable']} the introduction and the most notable items, and "
            f"{audience['skipped']} would be skipped. Nothing was sent."
        )
