namespace Gateway.Admin.Tokens;

/// <summary>The outcome of <see cref="AdminTokenService.AuthenticateAsync"/>.</summary>
public sealed record AdminAuthResult(AdminAuthStatus Status, AdminPrincipal? Principal)
{
    internal static AdminAuthResult Missing { get; } = new(AdminAuthStatus.Missing, null);

    internal static AdminAuthResult Invalid { get; } = new(AdminAuthStatus.Invalid, null);

    internal static AdminAuthResult Revoked { get; } = new(AdminAuthStatus.Revoked, null);

    internal static AdminAuthResult PersonSuspended { get; } = new(AdminAuthStatus.PersonSuspended, null);
}

/// <summary>Why a bearer token was or was not accepted.</summary>
public enum AdminAuthStatus
{
    Authenticated,
    Missing,
    Invalid,
    Revoked,

    /// <summary>A token bound to a person whom an administrator suspended as a console user (<see cref="ConsolePersonSuspensions"/>).</summary>
    PersonSuspended,
}
