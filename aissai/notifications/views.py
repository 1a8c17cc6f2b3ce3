from django.http import Http404, HttpResponse


def outbox(request):  # replaced by the notifications work
    if not request.user.is_programme_staff:
        raise Http404
    return HttpResponse("outbox")


def dev_mailbox(request):  # replaced by the notifications work
    return HttpResponse("mailbox")
