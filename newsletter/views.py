from django.shortcuts import render


def signup(request):
    """Temporary: the newsletter issue replaces this with the double opt-in signup."""
    return render(request, "newsletter/signup.html")
