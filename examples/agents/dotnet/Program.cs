using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Gamut.Agent;

// The five GAMUT_* values; for the demo, the file `make run` writes (GATEWAY_DEMO_ENV, default .gateway-data/demo.env)
// when they are not set.
var environment = Environment.GetEnvironmentVariables();
if (environment[GamutOptions.BaseUrlVariable] is null)
{
    var file = Environment.GetEnvironmentVariable("GATEWAY_DEMO_ENV") is { Length: > 0 } named ? named : Path.Combine(RepositoryRoot(), ".gateway-data", "demo.env");
    foreach (var line in File.ReadAllLines(file))
    {
        if (line.StartsWith("GAMUT_", StringComparison.Ordinal) && line.Split('=', 2) is [var name, var value])
        {
            environment[name] = value;
        }
    }
}

using var gamut = new GamutClient(GamutOptions.FromEnvironment(environment));

// A limit that refuses (a rate limit, a token budget) ends the agent with when it resets, not a stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, unhandled) =>
{
    if (unhandled.ExceptionObject is GamutRateLimitedException limited)
    {
        var resets = limited.RetryAfter is { } wait
            ? string.Create(CultureInfo.InvariantCulture, $"in {wait.TotalSeconds:0} s (at {DateTimeOffset.UtcNow + wait:yyyy-MM-dd'T'HH:mm:ss'Z'})")
            : "when its window resets";
        Console.Error.WriteLine($"refused: {limited.Code}: {limited.Message}\n  it resets {resets}; to reset the demo now: stop make run, then make demo-reset");
        Environment.Exit(3);
    }
};

// 1. Read a contact: allowed; the gateway injects the CRM credential.
var contact = await gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "42" });
Console.WriteLine($"1. contact 42 ({contact.Decision}): {contact.Result}");

// 2. A shell command: refused, and the explanation says why.
try
{
    await gamut.InvokeToolAsync("shell.exec", new JsonObject { ["cmd"] = "rm -rf /" });
    throw new InvalidOperationException("the gateway let a shell command through");
}
catch (GamutDeniedException refusal)
{
    Console.WriteLine("2. shell.exec refused:\n" + GamutRefusals.Explain(refusal));
}

// 3. A refund: held for alice or bob; wait on the approval, then retry once with the warrant.
var announced = false;
var wait = new ApprovalWait
{
    Deadline = TimeSpan.FromMinutes(10),
    OnPending = approval =>
    {
        if (!announced)
        {
            announced = true;
            Console.WriteLine($"3. refund held for approval {approval.Id} by {string.Join(" or ", approval.Approvers)}; approve it with:");
            Console.WriteLine($"   GATEWAY_ADMIN_TOKEN=$BOB gatewayctl approvals approve {approval.Id} --tenant demo");
        }
    },
};
var refund = await gamut.InvokeToolAsync("payments.refund", new JsonObject { ["order"] = "A-1001", ["amount"] = 25 }, new ToolCallOptions { WaitForApproval = wait });
Console.WriteLine($"   approved and done ({refund.Decision}): {refund.Result}");

static string RepositoryRoot([CallerFilePath] string source = "")
{
    var directory = new FileInfo(source).Directory;
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
    {
        directory = directory.Parent;
    }

    return directory?.FullName ?? Environment.CurrentDirectory;
}
