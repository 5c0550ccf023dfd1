namespace Gateway.Proxy.People.Links;

/// <summary>The Enforce stage's record that the call goes upstream as a person's linked account: its subject (never its token), for the outcome's audit record.</summary>
internal sealed record UpstreamAccountUsed(string Subject);
