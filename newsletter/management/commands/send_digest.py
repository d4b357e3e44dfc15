import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus

from newsletter.digests import DigestPlan, topic_sets
from newsletter.models import DigestIssue, DigestStatus
from newsletter.tasks import resume_stalled_digest, start_digest


class Command(BaseCommand):
    help = (
        "Send newsletter digest ISSUE (its id) to every confirmed subscriber whose address has "
        "not bounced: queued for the task worker (or run here with TASKS_BACKEND=immediate), "
        "in batches of --batch-size (DIGEST_BATCH_SIZE). --preview-only prints who would get "
        "what and sends nothing. An issue already sent (or being sent) is refused unless "
        "--resume, which sends it to whoever it has not reached yet, and to nobody twice. "
        "--resume-stalled (no ISSUE; from cron) does that for every issue being sent that "
        "has not moved for DIGEST_STALLED_MINUTES, its worker having died, and prints only "
        "what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument("issue", type=int, nargs="?", help="the digest's id (see the admin)")
        parser.add_argument("--preview-only", action="store_true")
        parser.add_argument("--batch-size", type=int, default=settings.DIGEST_BATCH_SIZE)
        parser.add_argument("--resume", action="store_true")
        parser.add_argument("--resume-stalled", action="store_true")

    def handle(self, *args, issue, preview_only, batch_size, resume, resume_stalled, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if resume_stalled:
            if issue is not None or preview_only or resume:
                raise CommandError(
                    "--resume-stalled looks at every digest being sent: give it no digest id, "
                    "--resume or --preview-only."
                )
            return self.resume_stalled(batch_size, options["verbosity"])
        if issue is None:
            raise CommandError("Give the digest's id (see the admin), or --resume-stalled.")
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

    def resume_stalled(self, batch_size, verbosity):
        """Queue again what dead workers left of the issues that stopped moving; say so."""
        now, minutes = timezone.now(), settings.DIGEST_STALLED_MINUTES
        cutoff = now - datetime.timedelta(minutes=minutes)
        stalled = list(DigestIssue.objects.stalled(now, minutes).order_by("pk"))
        if not stalled and verbosity > 1:
            self.stdout.write(f"No digest being sent has stopped moving for {minutes} minutes.")
        for digest in stalled:
            done = resume_stalled_digest(digest, cutoff, batch_size)
            if done["restarted"]:
                what = "its start stopped before making the deliveries: started it again"
            elif done["batches"]:
                what = (
                    f"queued its {done['deliveries']} unsent delivery(ies) again, in "
                    f"{done['batches']} batch(es) of up to {batch_size}"
                )
            else:
                digest.refresh_from_db()
                what = f"nothing was left to send: now {digest.get_status_display().lower()}"
            if done["abandoned"]:
                what += f"; {done['abandoned']} task(s) left running by a dead worker marked failed"
            self.stdout.write(
                f"Digest {digest.pk} (“{digest.subject}”): no progress for {minutes} minutes; "
                f"{what}."
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
