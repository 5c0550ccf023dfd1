using Gateway.Oversight.Approvals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Admin.Http;

/// <summary>
/// Builds the admin API's <c>application/problem+json</c> results: RFC 9457 with the gateway's members
/// <c>code</c> and <c>request_id</c>. The result only says what the problem is; the host's problem
/// details writer (the gateway's one writer) writes it.
/// </summary>
internal static class AdminProblem
{
    public static IResult Create(HttpContext context, int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = "about:blank",
            Title = title,
            Status = status,
            Detail = detail,
            Extensions =
            {
                ["code"] = code,
                ["request_id"] = context.TraceIdentifier,
            },
        });

    public static IResult ForApproval(HttpContext context, string code) => code switch
    {
        ApprovalErrorCodes.NotFound => Create(context, StatusCodes.Status404NotFound, code, "No such approval request"),
        ApprovalErrorCodes.NotAnApprover => Create(context, StatusCodes.Status403Forbidden, code, "You are not a named approver of this request"),
        ApprovalErrorCodes.OwnRequest => Create(context, StatusCodes.Status403Forbidden, code, "You own the agent at the root of the request's actor chain, or it acts for you; another approver must decide"),
        ApprovalErrorCodes.RequesterUnknown => Create(context, StatusCodes.Status403Forbidden, code, "Who asked cannot be established, so no approver can be shown not to own it"),
        ApprovalErrorCodes.Expired => Create(context, StatusCodes.Status409Conflict, code, "The approval request has expired"),
        ApprovalErrorCodes.NotApproved => Create(context, StatusCodes.Status409Conflict, code, "Only an approved request can be revoked (deny a pending one)"),
        _ => Create(context, StatusCodes.Status409Conflict, code, "The approval request is no longer pending"),
    };
}
