"""Celery tasks for the public account forms: the lookup and the mail happen here, after
the form is answered, so the answer's timing says nothing about the address."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def sign_up(*, email: str, full_name: str, language: str, password_hash: str) -> None:
    services.sign_up(
        email=email, full_name=full_name, language=language, password_hash=password_hash
    )


@shared_task(ignore_result=True)
def mail_password_reset(*, email: str) -> None:
    services.mail_password_reset(email=email)


@shared_task(ignore_result=True)
def resend_verification(*, email: str) -> None:
    services.resend_verification(email=email)
