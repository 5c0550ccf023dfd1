namespace Gateway.Oversight.Http;

/// <summary>An RFC 9457 problem with the gateway's extension members <c>code</c> and <c>request_id</c>.</summary>
public sealed record ProblemBody
{
    public string Type { get; init; } = "about:blank";

    public required string Title { get; init; }

    public required int Status { get; init; }

    public string? Detail { get; init; }

    public required string Code { get; init; }

    public string? RequestId { get; init; }
}
