def superuser_only(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)
