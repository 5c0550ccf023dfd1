namespace Gateway.Oversight.Admin;

/// <summary>A newly issued token. <see cref="Token"/> is shown once and never stored.</summary>
public sealed record IssuedAdminToken(string Name, IReadOnlyList<string> Roles, string Token, DateTimeOffset CreatedAt);
