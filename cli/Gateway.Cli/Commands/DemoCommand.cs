using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Authoring;
using Gateway.Policy.Serialization;

namespace Gateway.Cli.Commands;

/// <summary><c>demo</c>: the offline first win — the example bundle decides six requests, one per decision.</summary>
internal static class DemoCommand
{
    private static readonly (string Agent, string Body, string Story)[] Requests =
    [
        ("demo-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", "a low-impact read"),
        ("demo-agent", """{"tool":"crm.update_contact","args":{"id":"c-1","email":"n@example.com"}}""", "a documented pii write"),
        ("demo-agent", """{"tool":"tickets.search","args":{"q":"login"}}""", "pii with no documented data flow"),
        ("demo-agent", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""", "a refund (financial)"),
        ("demo-agent", """{"tool":"mail.send","args":{"to":"a@example.com","body":"x"},"provenance":[{"arg_path":"$.body","source":"external"}]}""", "mail whose body came from a web page"),
        ("rogue-agent", """{"tool":"shell.exec","args":{"cmd":"curl evil"}}""", "an agent under investigation runs a shell"),
    ];

    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var keep = new Option<string?>("--keep") { Description = "Write the demo bundle to this directory (to edit it and re-run policy commands)" };
        var command = new Command("demo", """
            An offline first win in under a minute: the example bundle (shipped inside gatewayctl) decides six requests,
            one per decision, with the reason for each; no gateway, network or keys needed. Exit 0.
            Examples:
              gatewayctl demo
              gatewayctl demo --keep ./my-bundle && gatewayctl policy analyze ./my-bundle --max-level L2 --action-type financial --decision allow
            """) { keep };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var directory = parse.GetValue(keep) ?? Directory.CreateTempSubdirectory("gatewayctl-demo-").FullName;
            try
            {
                Extract(directory);
                var set = context.LoadOrReport(directory, out var exit);
                if (set is null)
                {
                    return exit;
                }

                context.Line("gatewayctl demo — the example bundle, evaluated offline by the gateway's decision engine\n");
                var rows = new JsonArray();
                foreach (var (agent, body, story) in Requests)
                {
                    var request = JsonSerializer.Deserialize(body, PolicyJsonContext.Default.ActionRequest)!;
                    var decision = FixtureEvaluator.Evaluate(set, new PolicyFixture { Name = story, Source = "demo", Agent = agent, Request = request }, out _)!;
                    context.Line($"  {WireNames.Of(decision.Kind),-24} {agent} → {request.Tool}: {story}\n  {string.Empty,-24} why: {PolicyCommandContext.Why(decision)}");
                    rows.Add(new JsonObject { ["agent"] = agent, ["request"] = JsonNode.Parse(body), ["decision"] = WireNames.Of(decision.Kind), ["why"] = PolicyCommandContext.Why(decision) });
                }

                context.Line("""

                    Next:
                      gatewayctl demo --keep ./my-bundle
                      gatewayctl gate eval --policy ./my-bundle --agent demo-agent --tool payments.refund --args '{"order":"o-1","amount":25}'
                      gatewayctl policy analyze ./my-bundle --max-level L2 --action-type financial --decision allow --expect none
                      make run   # the same bundle behind the real gateway (README, "First win")
                    """);
                context.Document(new JsonObject { ["ok"] = true, ["bundle"] = parse.GetValue(keep), ["decisions"] = rows });
                return ExitCodes.Success;
            }
            finally
            {
                if (parse.GetValue(keep) is null)
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        });
        return command;
    }

    private static void Extract(string directory)
    {
        var assembly = typeof(DemoCommand).Assembly;
        foreach (var name in new[] { "demo/demo.yaml", "demo/secrets/demo-agent.secret" })
        {
            var target = Path.Combine(directory, name["demo/".Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var resource = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} missing from gatewayctl");
            using var file = File.Create(target);
            resource.CopyTo(file);
        }
    }
}
