namespace Gateway.Oversight.Approvals;

/// <summary>The outcome of an approve or deny: the request afterwards, or a stable refusal code.</summary>
public sealed record ApprovalActionResult
{
    public bool Succeeded => Code is null;

    /// <summary>Null on success; otherwise one of <see cref="ApprovalErrorCodes"/>.</summary>
    public string? Code { get; init; }

    public ApprovalRequest? Request { get; init; }

    internal static ApprovalActionResult Ok(ApprovalRequest request) => new() { Request = request };

    internal static ApprovalActionResult Fail(string code, ApprovalRequest? request = null) => new() { Code = code, Request = request };
}
