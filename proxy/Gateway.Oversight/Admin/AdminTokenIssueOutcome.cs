namespace Gateway.Oversight.Admin;

/// <summary>The outcome of <see cref="AdminTokenService.IssueAsync"/>: the token, or a stable refusal code.</summary>
public sealed record AdminTokenIssueOutcome(IssuedAdminToken? Issued, string? Code)
{
    public const string NameTaken = "token_name_taken";
    public const string InvalidName = "token_name_invalid";
    public const string InvalidRoles = "token_roles_invalid";
}
