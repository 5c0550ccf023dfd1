namespace Gateway.Admin.Http;

/// <summary>Endpoint metadata: the caller needs at least one of <see cref="Roles"/>. Absent means refused.</summary>
public sealed class AdminRolesMetadata(params string[] roles)
{
    public IReadOnlyList<string> Roles { get; } = roles;
}
