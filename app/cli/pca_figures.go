package cli

import (
	"embedscope/app/service"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/ml/progress"
	"embedscope/views/figures"
)

func init() {
	figureRegistry["pca-variance"] = namedFigure{"cumulative explained variance with the cut-off marked (PCA panel)", pcaFigure(func(p *service.PCAResult, _ figures.Projection) *plot.Plot {
		return figures.CumulativeVariance(p.SpectrumRatios(), p.Model.K())
	})}
	figureRegistry["pca-scatter"] = namedFigure{"PC 1 against PC 2, coloured by class (PCA panel)", pcaFigure(func(_ *service.PCAResult, d figures.Projection) *plot.Plot {
		return figures.ClassScatter(d, figures.ScatterOptions{})
	})}
	figureRegistry["pca-density"] = namedFigure{"2-D histogram of PC 1/PC 2 with every 20th point by class (PCA panel)", pcaFigure(func(_ *service.PCAResult, d figures.Projection) *plot.Plot {
		return figures.Density(d, 80, 20)
	})}
	figureRegistry["pca-hexbin"] = namedFigure{"median class per hexagon of PC 1/PC 2 (PCA panel)", pcaFigure(func(_ *service.PCAResult, d figures.Projection) *plot.Plot {
		return figures.Hexbin(d, 40, 5)
	})}
}

// pcaFigure fits PCA (--components, default 32) and draws one figure of
// it, on PC 1 and PC 2.
func pcaFigure(draw func(p *service.PCAResult, d figures.Projection) *plot.Plot) func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
	return func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		t := progress.New()
		stop := c.reportProgress("PCA", t)
		k := c.Components
		if !c.ComponentsSet {
			k = min(k, ws.Data().Dim) // the default 32 on a table of few features
		}
		p, err := svc.FitPCA(c.Ctx, service.PCARequest{Components: k}, t)
		stop()
		if err != nil {
			return nil, 0, 0, err
		}
		ds := ws.Data()
		d := figures.Projection{
			X: p.Items.Column(p.Space, 0), Y: p.Items.Column(p.Space, min(1, p.Model.K()-1)),
			Labels: p.Items.Labels(), Classes: ds.Classes,
			Title:  "PCA of " + ds.Name,
			XLabel: fmt.Sprintf("PC 1 (%.1f %% of the variance)", 100*p.Model.ExplainedVarianceRatio[0]),
			YLabel: fmt.Sprintf("PC 2 (%.1f %% of the variance)", 100*p.Model.ExplainedVarianceRatio[min(1, p.Model.K()-1)]),
		}
		return draw(p, d), figures.DefaultWidth, figures.DefaultHeight, nil
	}
}
