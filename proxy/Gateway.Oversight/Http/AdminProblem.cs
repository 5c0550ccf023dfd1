using Gateway.Oversight.Approvals;
using Microsoft.AspNetCore.Http;

namespace Gateway.Oversight.Http;

/// <summary>Builds <c>application/problem+json</c> results.</summary>
internal static class AdminProblem
{
    public const string ContentType = "application/problem+json";

    public static IResult Create(HttpContext context, int status, string code, string title, string? detail = null)
    {
        var body = new ProblemBody { Title = title, Status = status, Detail = detail, Code = code, RequestId = context.TraceIdentifier };
        return Results.Json(body, OversightJsonContext.Default.ProblemBody, ContentType, status);
    }

    public static IResult ForApproval(HttpContext context, string code) => code switch
    {
        ApprovalErrorCodes.NotFound => Create(context, StatusCodes.Status404NotFound, code, "No such approval request"),
        ApprovalErrorCodes.NotAnApprover => Create(context, StatusCodes.Status403Forbidden, code, "You are not a named approver of this request"),
        ApprovalErrorCodes.OwnRequest => Create(context, StatusCodes.Status403Forbidden, code, "You own the agent that asks; another approver must decide"),
        ApprovalErrorCodes.Expired => Create(context, StatusCodes.Status409Conflict, code, "The approval request has expired"),
        _ => Create(context, StatusCodes.Status409Conflict, code, "The approval request is no longer pending"),
    };
}
