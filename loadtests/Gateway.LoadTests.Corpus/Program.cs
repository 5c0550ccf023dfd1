using Gateway.LoadTests.Corpus;

return CorpusCommand.Run(args, Console.Out, Console.Error);
